/**
 * The scanner (s6-svscan's job, inside one process): every subdirectory of the scan dir whose name does not start with
 * '.' is a service, identified by (dev, ino) so that a rename restarts nothing. Each gets a ServiceSupervisor; a
 * service `X` with a directory `X/log` also gets a supervised logger and a pipe X → X/log held here.
 *
 * Services that disappear become inactive: they keep running until pruned (`h`, `n`, `N`, SIGHUP, or — beyond
 * s6 — the directory watcher, which prunes automatically). A supervisor that exits (`s6-svc -x`) while its service
 * is still active is started again, no sooner than 1 s after its previous start, as s6-svscan does; one that could not
 * start at all (its lock held by another supervisor) is tried again every 10 s, as s6-svscan retries a failed spawn of
 * s6-supervise. Every supervisor shares this process's descriptors: one that would leave too few for spawning waits
 * for some to be freed (fd-waits.ts).
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { logger, type Logger } from '../sys/logger';
import { isDirectory } from '../sys/files';
import { isFdExhaustion } from '../sys/fd-budget';
import { Streak } from '../sys/streak';
import { after, type Timer } from '../sys/timer';
import { AlreadyLockedError } from '../wire/lock';
import type { SupervisorStatus } from '../wire/status';
import type { Phase } from '../supervise/machine';
import { LOGGER_RESTART_POLICY } from '../supervise/restart-policy';
import { ServiceSupervisor } from '../supervise/supervisor';
import { FdWaits } from './fd-waits';
import { LogPipe } from './log-pipe';
import { UnusableEntries } from './unusable';

/** s6-svscan's default -L: longer names are skipped. */
export const NAME_MAX = 251;
/** s6-svscan never restarts a supervisor sooner than this after its previous start. */
const SUPERVISOR_RESPAWN_MS = 1000;
/** s6-svscan tries again this long after it failed to start a supervisor. */
const SUPERVISOR_RETRY_MS = 10_000;
/** Descriptors a supervisor holds: its service dir, supervise/lock, supervise/control (+1 for a readiness pipe). */
const SUPERVISOR_FDS = 3;
/** The log pipe's two ends, held by the scanner. */
const LOG_PIPE_FDS = 2;

export type StopMode = 'terminate' | 'quit' | 'abort';
export type PruneMode = 'hangup-loggers' | 'terminate-all';

export interface ServiceState {
  /** `foo`, or `foo/log` for a logger. */
  name: string;
  dir: string;
  /** The event letters just announced (s u U d D O x …). */
  letters: string;
  status: SupervisorStatus;
  phase: Phase;
}

export interface ScannerEvents {
  'service-state': [state: ServiceState];
  /** stop() has begun (s6-svscanctl -t/-q/-b, a signal, or the owner): supervisors are being told to stop. */
  stopping: [mode: StopMode];
  /** The scanner has stopped (every supervisor exited, unless `abort`): the owner execs finish or exits. */
  finished: [mode: StopMode];
}

interface Entry {
  key: string;
  name: string;
  dir: string;
  active: boolean;
  main?: Slot;
  logger?: Slot;
  pipe?: LogPipe;
}

/** One supervisor position: restarted when its supervisor exits while the service is active. */
interface Slot {
  name: string;
  dir: string;
  supervisor?: ServiceSupervisor;
  startedAt: number;
  /** A pending (re)start: the 1 s respawn rule, or the retry after a failed start. */
  timer?: Timer;
  /** Last start failure reported; set while a retry is pending. */
  failure?: string;
  /** Failed starts: said once, then counted (summarised at 10, 100, 1000 …). */
  failures: Streak;
}

export interface ScannerOptions {
  /**
   * Look again every UNUSABLE_RECHECK_MS at entries that could not be stat()ed, and rescan once one can: a dangling
   * symlink whose target is created later is picked up without s6-svscanctl -a (the watcher sees only the scan dir).
   */
  recheckUnusable?: boolean;
}

function keyOf(stat: fs.Stats): string {
  return `${stat.dev}:${stat.ino}`;
}

/** Whether `dir` still leads to the service identified by `key` (a second name for it, or its name unchanged). */
function isSameDir(dir: string, key: string): boolean {
  try {
    return keyOf(fs.statSync(dir)) === key;
  } catch {
    return false;
  }
}

/**
 * A renamed service dir keeps its running supervisor (it holds the directory open, see dir-handle.ts); a supervisor
 * started later (after `s6-svc -x`, or a failed start) must look for it under its new name.
 */
function followRename(entry: Entry, name: string, dir: string): void {
  entry.name = name;
  entry.dir = dir;
  if (entry.main) Object.assign(entry.main, { name, dir });
  if (entry.logger) Object.assign(entry.logger, { name: `${name}/log`, dir: path.join(dir, 'log') });
}

function isIdle(slot: Slot): boolean {
  return !slot.supervisor && !slot.timer;
}

export class Scanner extends EventEmitter<ScannerEvents> {
  private readonly entries = new Map<string, Entry>();
  private stopping: StopMode | undefined;
  private readonly log: Logger;
  private readonly unusable: UnusableEntries;
  private readonly fds: FdWaits;

  constructor(
    readonly dir: string,
    log?: Logger,
    options: ScannerOptions = {},
  ) {
    super();
    this.log = log ?? logger('svscan');
    this.unusable = new UnusableEntries(dir, this.log, options.recheckUnusable ? () => this.scan('hangup-loggers') : undefined);
    this.fds = new FdWaits(this.log, () => this.startWaiting());
  }

  /** Supervisors and their states, for tools and tests. */
  list(): { name: string; dir: string; active: boolean; status?: SupervisorStatus; phase?: Phase }[] {
    const out = [];
    for (const entry of this.entries.values()) {
      for (const slot of [entry.main, entry.logger]) {
        if (!slot) continue;
        out.push({ name: slot.name, dir: slot.dir, active: entry.active, status: slot.supervisor?.status, phase: slot.supervisor?.phase });
      }
    }
    return out;
  }

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /** s6-svscanctl -a (and -h/-n with `prune`): reads the scan dir, starts new services, marks vanished ones inactive. */
  scan(prune?: PruneMode): void {
    if (this.stopping) return;
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch (err) {
      this.log.error(`cannot read scan directory ${this.dir}: ${(err as Error).message}`);
      return;
    }
    const seen = new Set<string>();
    this.unusable.begin();
    this.fds.measure();
    for (const name of names) {
      if (name.startsWith('.') || name.length > NAME_MAX) continue;
      const dir = path.join(this.dir, name);
      let stat: fs.Stats;
      try {
        stat = fs.statSync(dir); // follows symlinks: s6-overlay links /run/service/X to the real service dir
      } catch (err) {
        this.unusable.note(name, err);
        continue; // not a service (yet)
      }
      if (!stat.isDirectory()) continue;
      const key = keyOf(stat);
      seen.add(key);
      let entry = this.entries.get(key);
      if (!entry) {
        entry = { key, name, dir, active: true };
        this.entries.set(key, entry);
      } else if (entry.dir !== dir && !isSameDir(entry.dir, key)) {
        followRename(entry, name, dir);
      }
      entry.active = true;
      this.ensureRunning(entry);
    }
    this.unusable.end(false);
    this.fds.settle();
    for (const entry of this.entries.values()) {
      if (seen.has(entry.key) || !entry.active) continue;
      entry.active = false;
      this.log.info(`${entry.name}: ${entry.dir} is no longer in the scan dir${prune ? ': stopping it' : ''}`);
    }
    if (prune) this.prune(prune);
  }

  /** s6-svscanctl -n / -N: stops the supervisors of inactive services. */
  prune(mode: PruneMode): void {
    for (const entry of this.entries.values()) {
      if (!entry.active) this.stopEntry(entry, mode === 'terminate-all' ? 'terminate' : 'hangup');
    }
  }

  /**
   * s6-svscanctl -t / -q / -b. `terminate`: services get their down signal, loggers drain their pipe and exit on EOF;
   * `quit`: everything gets its down signal; `abort`: nothing is stopped (the owner replaces the process at once).
   * Resolves when the scanner is finished; 'finished' is emitted then.
   */
  async stop(mode: StopMode): Promise<void> {
    if (this.stopping) {
      if (mode !== 'abort') return this.whenAllExited();
    }
    this.stopping = mode;
    this.unusable.end(true); // no more rechecks
    this.fds.stop();
    this.emit('stopping', mode);
    if (mode !== 'abort') {
      for (const entry of this.entries.values()) this.stopEntry(entry, mode === 'quit' ? 'terminate' : 'hangup');
      await this.whenAllExited();
    }
    this.emit('finished', mode);
  }

  private whenAllExited(): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const entry of this.entries.values()) {
      for (const slot of [entry.main, entry.logger]) if (slot?.supervisor) pending.push(slot.supervisor.done);
    }
    return Promise.all(pending).then(() => undefined);
  }

  /** Starts what an active entry is missing: its supervisor, its logger and the pipe between them. */
  private ensureRunning(entry: Entry): void {
    if (!entry.logger && isDirectory(path.join(entry.dir, 'log'))) {
      entry.logger = { name: `${entry.name}/log`, dir: path.join(entry.dir, 'log'), startedAt: 0, failures: new Streak() };
    }
    entry.main ??= { name: entry.name, dir: entry.dir, startedAt: 0, failures: new Streak() };
    for (const slot of [entry.logger, entry.main]) {
      // An explicit scan retries a failed start at once instead of waiting for the retry timer, as s6-svscan -a does.
      if (slot?.failure !== undefined && slot.timer) {
        slot.timer.cancel();
        slot.timer = undefined;
      }
    }
    // the logger first, so that it reads from the first line on
    if (entry.logger && isIdle(entry.logger)) this.startSlot(entry, entry.logger);
    // A logged service writes into the pipe only: until the pipe exists (it could not be made yet), it waits.
    if (entry.logger && !entry.pipe) {
      if (this.fds.has(entry.logger.name)) this.fds.wait(entry.main.name);
      return;
    }
    if (isIdle(entry.main)) this.startSlot(entry, entry.main);
  }

  /** What starting `slot`'s supervisor costs in descriptors (the readiness pipe is held while run lives). */
  private fdCost(entry: Entry, slot: Slot): number {
    const pipe = slot === entry.logger && !entry.pipe ? LOG_PIPE_FDS : 0;
    return SUPERVISOR_FDS + pipe + (fs.existsSync(path.join(slot.dir, 'notification-fd')) ? 1 : 0);
  }

  private startSlot(entry: Entry, slot: Slot): void {
    if (!this.fds.admit(slot.name, this.fdCost(entry, slot))) return; // waits for descriptors: said once for all
    const isLogger = slot === entry.logger;
    let supervisor: ServiceSupervisor;
    try {
      if (isLogger) entry.pipe ??= new LogPipe();
      supervisor = new ServiceSupervisor({
        dir: slot.dir,
        name: slot.name,
        stdio: () => (isLogger ? { stdin: entry.pipe?.readEnd } : { stdout: entry.pipe?.writeEnd }),
        restartPolicy: isLogger ? LOGGER_RESTART_POLICY : undefined,
      });
      supervisor.start();
    } catch (err) {
      if (isFdExhaustion(err)) {
        this.fds.wait(slot.name); // more were in use than counted: it waits like the others, and is not an error
        return;
      }
      this.startFailed(
        slot,
        err instanceof AlreadyLockedError ? 'another supervisor (s6-supervise?) already runs it' : (err as Error).message,
      );
      this.startLater(entry, slot, SUPERVISOR_RETRY_MS);
      return;
    }
    if (slot.failure !== undefined && slot.failures.count > 1) {
      this.log.info(`${slot.name}: supervised now, after ${slot.failures.count} failed attempts`);
    }
    slot.failure = undefined;
    slot.failures.end();
    slot.supervisor = supervisor;
    slot.startedAt = performance.now();
    supervisor.on('event', (letters, status, phase) =>
      this.emit('service-state', { name: slot.name, dir: slot.dir, letters, status, phase }),
    );
    supervisor.on('removed', () => this.onRemoved());
    supervisor.once('exit', () => this.onSupervisorExit(entry, slot, supervisor));
  }

  /**
   * A supervisor that could not start: said once (the message names the service dir, never an internal path), the
   * same failure again only counted, and summarised at 10, 100, 1000 … attempts; a different one is said again.
   */
  private startFailed(slot: Slot, message: string): void {
    slot.failure = message;
    const line = slot.failures.note(message);
    if (line === 'first') {
      this.log.error(`${slot.name}: cannot supervise ${slot.dir}: ${message} (trying again every 10 s; repeats are counted, not logged)`);
    } else if (line === 'summary') {
      this.log.error(`${slot.name}: still cannot supervise ${slot.dir}: ${message} (${slot.failures.count} attempts)`);
    }
  }

  /** Starts, as far as descriptors allow, the supervisors that wait for them. */
  private startWaiting(): void {
    if (this.stopping) return;
    this.fds.measure();
    for (const entry of this.entries.values()) {
      const waits = [entry.main, entry.logger].some((slot) => slot && this.fds.has(slot.name));
      if (!waits) continue;
      if (entry.active) this.ensureRunning(entry);
      else for (const slot of [entry.main, entry.logger]) if (slot) this.fds.forget(slot.name);
    }
    this.fds.settle();
  }

  /** Starts whatever `entry` is missing once `delayMs` have passed, unless the scanner stops or the entry goes. */
  private startLater(entry: Entry, slot: Slot, delayMs: number): void {
    slot.timer?.cancel();
    slot.timer = after(
      delayMs,
      () => {
        slot.timer = undefined;
        if (this.stopping || !entry.active || this.entries.get(entry.key) !== entry) return;
        this.fds.measure();
        this.ensureRunning(entry);
        this.fds.settle();
      },
      { unref: true },
    );
  }

  private onSupervisorExit(entry: Entry, slot: Slot, supervisor: ServiceSupervisor): void {
    if (slot.supervisor !== supervisor) return;
    slot.supervisor = undefined;
    this.fds.freed();
    const isMain = slot === entry.main;
    if (isMain && entry.pipe && (this.stopping || !entry.active)) {
      // The producer is gone for good: drop our write end so the logger reads EOF once it has drained the pipe.
      entry.pipe.closeWriteEnd();
    }
    if (!isMain && !entry.logger?.supervisor && (this.stopping || !entry.active)) {
      entry.pipe?.close();
      entry.pipe = undefined;
    }
    if (!entry.main?.supervisor && !entry.logger?.supervisor && !entry.active) {
      this.drop(entry);
      return;
    }
    if (this.stopping || !entry.active) return;
    // `s6-svc -x` on an active service: s6-svscan starts a new supervisor, at most once a second.
    this.startLater(entry, slot, Math.max(0, slot.startedAt + SUPERVISOR_RESPAWN_MS - performance.now()));
  }

  private stopEntry(entry: Entry, loggerMode: 'hangup' | 'terminate'): void {
    for (const slot of [entry.main, entry.logger]) {
      if (slot?.timer) {
        slot.timer.cancel();
        slot.timer = undefined;
      }
    }
    entry.main?.supervisor?.terminate();
    const loggerSupervisor = entry.logger?.supervisor;
    if (loggerSupervisor) {
      if (loggerMode === 'terminate') loggerSupervisor.terminate();
      else loggerSupervisor.hangup();
    }
    if (!entry.main?.supervisor) entry.pipe?.closeWriteEnd();
    if (!entry.main?.supervisor && !entry.logger?.supervisor) this.drop(entry);
  }

  /** Forgets an entry none of whose supervisors runs: its pipe is closed, and nothing of it waits for descriptors. */
  private drop(entry: Entry): void {
    entry.pipe?.close();
    this.entries.delete(entry.key);
    for (const slot of [entry.main, entry.logger]) if (slot) this.fds.forget(slot.name);
    this.fds.freed();
  }

  private removedTimer: Timer | undefined;

  /** A supervisor found its directory gone: rescan soon, which stops what vanished (and says so, once). */
  private onRemoved(): void {
    if (this.removedTimer || this.stopping) return;
    this.removedTimer = after(
      50,
      () => {
        this.removedTimer = undefined;
        this.scan('hangup-loggers');
      },
      { unref: true },
    );
  }
}
