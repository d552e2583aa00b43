/**
 * One supervised service: the I/O around the pure state machine (machine.ts). It owns the service's `supervise/`
 * directory exactly as s6-supervise does (lock, control FIFO, status, death_tally, event/ fifodir), spawns `run`
 * and `finish`, reads readiness notifications, and keeps the single deadline. Many of these live in one process
 * (nuwa's PID 1 or `nuwa svscan`): there is no s6-supervise process per service.
 *
 * Events are handled strictly one at a time, in order; a spawn's outcome is handled before anything else.
 * Nothing here may throw into the event loop: a broken service dir costs that service, never the process.
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import type { Socket } from 'node:net';
import { isFdExhaustion } from '../sys/fd-budget';
import { describeError, logger, type Logger } from '../sys/logger';
import { RateLimited } from '../sys/rate-limit';
import { parseControlBytes } from '../wire/control';
import { deathOf, readDeathTally, writeDeathTally, type Death } from '../wire/death-tally';
import { broadcast } from '../wire/fifodir';
import { writeStatus, type SupervisorStatus } from '../wire/status';
import { now as tainNow } from '../wire/tai64n';
import { decodeWaitStatus, encodeWaitStatus, signalName } from '../sys/wait-status';
import type { ControlFifo } from './control-fifo';
import { Deadline } from './deadline';
import { DirHandle } from './dir-handle';
import { CrashLoopReport, deathReason, FailureReport } from './failure-report';
import { initialState, statusOf, transition, type Action, type MachineEvent, type MachineState, type Now, type Phase } from './machine';
import { startFinish, startRun, type ProgramContext } from './programs';
import type { RestartPolicy } from './restart-policy';
import { hasDownFile, readSettings, type ServiceSettings } from './settings';
import { openSuperviseDir } from './supervise-dir';

export interface SupervisorOptions {
  /** Absolute path of the service directory. */
  dir: string;
  /** The argument run and finish get: `foo`, or `foo/log` for a logger (s6-svscan's convention). */
  name: string;
  /**
   * fds for run's and finish's stdin and stdout, asked at each spawn (a logger may appear after its service started):
   * a logger's stdin is its end of the log pipe, a logged service's stdout the other end. Inherited when absent.
   */
  stdio?: () => { stdin?: number; stdout?: number };
  /** The restart policy the service dir's knob files override (restart-policy.ts: a logger's caps its back-off). */
  restartPolicy?: RestartPolicy;
  log?: Logger;
}

export interface SupervisorEvents {
  /** Event letters just announced on event/ (s u U d D O x …) and the status written with them. */
  event: [letters: string, status: SupervisorStatus, phase: Phase];
  /** The supervisor has exited (event `x` sent, lock released). */
  exit: [];
  /** The service directory has disappeared under us. */
  removed: [];
}

function clock(): Now {
  return { tain: tainNow(), mono: performance.now() };
}

export class ServiceSupervisor extends EventEmitter<SupervisorEvents> {
  readonly dir: string;
  readonly name: string;
  private readonly handle: DirHandle;
  private readonly log: Logger;
  private readonly report: FailureReport;
  private readonly crashLoop: CrashLoopReport;
  /** Garbage on supervise/control: said at once, then at most one line a second however it comes. */
  private readonly garbage: RateLimited;
  private state: MachineState;
  private readonly queue: MachineEvent[] = [];
  private draining = false;
  private lockFd: number | undefined;
  private control: ControlFifo | undefined;
  private readonly deadline = new Deadline(() => this.dispatch({ type: 'timeout', now: clock() }));
  private notification: Socket | undefined;
  private deaths: Death[] = [];
  private spawnProblem = '';
  /**
   * Settings read for the death being handled, which the restart it leads to (a follow-up of the same event) uses:
   * settings are read once per event, not again a moment later by the spawn.
   */
  private eventSettings: ServiceSettings | undefined;
  /** What run and finish are started with (programs.ts). */
  private readonly programs: ProgramContext;
  /** Warnings already logged (one line per distinct problem, not one per start). */
  private readonly warned = new Set<string>();
  private exited = false;
  private removed = false;
  private exitResolve!: () => void;
  /** Resolves once the supervisor has exited. */
  readonly done: Promise<void>;

  constructor(private readonly options: SupervisorOptions) {
    super();
    this.dir = options.dir;
    this.name = options.name;
    this.log = options.log ?? logger('supervise');
    this.report = new FailureReport(this.log, this.name);
    this.crashLoop = new CrashLoopReport(this.log, this.name);
    this.garbage = new RateLimited(
      (bytes, hex) => this.log.warn(`${this.name}: ignored ${bytes} unknown byte(s) on supervise/control (hex ${hex})`),
      ({ times, amount, first, periodMs }) =>
        this.log.warn(
          `${this.name}: ignored ${amount} more unknown byte(s) on supervise/control in ${times} read(s) ` +
            `over the last ${periodMs / 1000} s (the first: hex ${first})`,
        ),
    );
    this.handle = new DirHandle(options.dir);
    this.programs = {
      handle: this.handle,
      name: this.name,
      stdio: () => options.stdio?.() ?? {},
      warn: (message) => this.warnOnce(message),
    };
    this.state = initialState(clock());
    this.done = new Promise((resolve) => (this.exitResolve = resolve));
  }

  /** What the status file says right now. */
  get status(): SupervisorStatus {
    return statusOf(this.state);
  }

  get phase(): Phase {
    return this.state.phase;
  }

  /**
   * s6-supervise's start-up (supervise-dir.ts; throws AlreadyLockedError when another supervisor holds the lock), then
   * the first status and event `s`, and run if the service is wanted up.
   */
  start(): void {
    try {
      ({ lockFd: this.lockFd, control: this.control } = openSuperviseDir(this.handle, this.status, (data) => this.onControlBytes(data)));
    } catch (err) {
      const shown = this.shownError(err); // while the directory is still held open
      this.release();
      throw shown;
    }
    this.dispatch({ type: 'boot', now: clock(), normallyUp: !this.bestEffort('read down', () => hasDownFile(this.handle.base), false) });
  }

  /** `err` with the service dir's path where its message says /proc/self/fd/N (its class and code kept). */
  private shownError(err: unknown): unknown {
    if (!(err instanceof Error)) return err;
    const message = this.handle.shown(err.message);
    if (message !== err.message) err.message = message;
    return err;
  }

  /** Same as writing `letters` to supervise/control. */
  send(letters: string): void {
    this.onControlBytes(Buffer.from(letters, 'latin1'));
  }

  /** s6-supervise's SIGTERM: take the service down (down signal), then exit. */
  terminate(): void {
    this.dispatch({ type: 'terminate', now: clock() });
  }

  /** s6-supervise's SIGHUP: exit once the service goes down by itself (how loggers are stopped). */
  hangup(): void {
    this.dispatch({ type: 'hangup', now: clock() });
  }

  /** s6-supervise's SIGQUIT: exit now and leave the service running. */
  quit(): void {
    this.dispatch({ type: 'quit', now: clock() });
  }

  private onControlBytes(data: Buffer): void {
    const { letters, unknown } = parseControlBytes(data);
    if (unknown.length > 0) {
      this.garbage.report(unknown.length, `${Buffer.from(unknown.slice(0, 16)).toString('hex')}${unknown.length > 16 ? '…' : ''}`);
    }
    for (const letter of letters) this.dispatch({ type: 'control', letter, now: clock() });
  }

  private dispatch(event: MachineEvent): void {
    if (this.exited) return;
    this.queue.push(event);
    if (!this.draining) void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      // an action's outcome (a spawn's result) goes before anything that arrived meanwhile
      const followUps: MachineEvent[] = [];
      let event = this.queue.shift();
      while (event) {
        if (event.type === 'run-died') this.eventSettings = event.settings;
        const [next, actions] = transition(this.state, event);
        this.state = next;
        for (const action of actions) {
          const result = await this.performSurviving(action);
          if (result) followUps.push(result);
        }
        const followUp = followUps.shift();
        if (!followUp) this.eventSettings = undefined; // the next event reads its own
        event = followUp ?? this.queue.shift();
      }
    } catch (err) {
      this.log.error(`${this.name}: internal error, survived: ${describeError(err)}`);
    } finally {
      this.draining = false;
      if (this.queue.length > 0 && !this.exited) void this.drain();
    }
  }

  /**
   * One action, whatever it throws (a bug, or a listener of 'event' that throws): the actions after it still run, and
   * a spawn still gets its follow-up event. Without one the machine would wait for it forever: a service never
   * started again, or a supervisor that never exits.
   */
  private async performSurviving(action: Action): Promise<MachineEvent | undefined> {
    try {
      return await this.perform(action);
    } catch (err) {
      this.log.error(`${this.name}: internal error during ${action.type}, survived: ${describeError(err)}`);
      if (action.type === 'spawn-run') return this.spawnFailed(`internal error: ${describeError(err).split('\n')[0]}`);
      if (action.type === 'spawn-finish') return { type: 'finish-absent', now: clock() };
      return undefined;
    }
  }

  /** Carries out one action; a spawn returns the event that reports its outcome. */
  private async perform(action: Action): Promise<MachineEvent | undefined> {
    switch (action.type) {
      case 'spawn-run':
        return this.spawnRun();
      case 'spawn-finish':
        return this.spawnFinish(action.args);
      case 'kill':
        this.kill(action.signal, action.group === true);
        return undefined;
      case 'write-status':
        this.bestEffort('write supervise/status', () => writeStatus(this.handle.base, this.status), undefined);
        return undefined;
      case 'announce':
        this.bestEffort('write event/', () => broadcast(this.handle.file('event'), action.letters), undefined);
        this.emit('event', action.letters, this.status, this.state.phase);
        return undefined;
      case 'record-death':
        // Appended to the tally on disk, as s6-supervise does, so that s6-svdt-clear's emptying holds.
        this.deaths = [...readDeathTally(this.handle.base), deathOf(action.at, decodeWaitStatus(action.wstat))].slice(-action.keep);
        this.bestEffort('write supervise/death_tally', () => writeDeathTally(this.handle.base, this.deaths), undefined);
        return undefined;
      case 'deadline':
        this.deadline.set(action.ms);
        return undefined;
      case 'create-down':
        this.bestEffort('create down', () => fs.closeSync(fs.openSync(this.handle.file('down'), 'w', 0o644)), undefined);
        return undefined;
      case 'remove-down':
        this.bestEffort('remove down', () => fs.rmSync(this.handle.file('down'), { force: true }), undefined);
        return undefined;
      case 'close-notification':
        this.notification?.destroy();
        this.notification = undefined;
        return undefined;
      case 'failed': {
        const reason = action.wstat === null ? this.spawnProblem : deathReason(action.wstat, signalName);
        this.report.failed(reason, action.failures, action.delayMs, action.wstat === null ? undefined : action.uptimeMs);
        return undefined;
      }
      case 'unasked-death':
        this.crashLoop.died(deathReason(action.wstat, signalName), action.uptimeMs, action.minUptimeMs, performance.now());
        return undefined;
      case 'warn':
        this.log.warn(`${this.name}: ${action.message}`);
        return undefined;
      case 'exit':
        this.release();
        return undefined;
    }
  }

  private kill(signal: NodeJS.Signals, group: boolean): void {
    const pid = this.state.pid;
    if (pid <= 0) return;
    try {
      process.kill(group ? -pid : pid, signal);
    } catch {
      // already dead: its exit is on its way
    }
  }

  /** The settings files afresh, or undefined when no descriptor is left to read them (nothing is guessed then). */
  private readSettings(): ServiceSettings | undefined {
    let read;
    try {
      read = readSettings(this.handle.base, this.options.restartPolicy);
    } catch (err) {
      if (isFdExhaustion(err)) return undefined;
      throw err;
    }
    for (const warning of read.warnings) this.warnOnce(warning);
    return read.settings;
  }

  private async spawnRun(): Promise<MachineEvent> {
    const settings = this.eventSettings ?? this.readSettings();
    this.eventSettings = undefined;
    const started = await startRun(this.programs, settings);
    if ('problem' in started) return this.spawnFailed(started.problem, started.removed);
    const { pid } = started;
    this.watchReadiness(started.readiness);
    void started.exited.then((termination) => {
      this.dispatch({
        type: 'run-died',
        pid,
        wstat: encodeWaitStatus(termination),
        settings: this.readSettings() ?? this.state.settings,
        now: clock(),
      });
    });
    return { type: 'run-spawned', pid, settings: started.settings, now: clock() };
  }

  private spawnFailed(problem: string, removed = false): MachineEvent {
    this.spawnProblem = this.handle.shown(problem);
    if (removed && !this.removed) {
      this.removed = true;
      this.emit('removed');
    }
    return { type: 'run-spawn-failed', now: clock() };
  }

  private watchReadiness(socket: Socket | undefined): void {
    if (!socket) return;
    this.notification = socket;
    socket.on('data', (chunk: Buffer) => {
      if (this.notification === socket && chunk.includes(0x0a)) this.dispatch({ type: 'ready', now: clock() });
    });
    // EOF or an error before a newline: the service simply stays "up, not ready", as in s6
    const drop = () => {
      if (this.notification === socket) this.notification = undefined;
      socket.destroy();
    };
    socket.on('end', drop);
    socket.on('error', drop);
  }

  private async spawnFinish(args: [string, string, string]): Promise<MachineEvent> {
    const started = await startFinish(this.programs, args);
    if (!started) return { type: 'finish-absent', now: clock() };
    const { pid } = started;
    void started.exited.then((termination) => {
      this.dispatch({ type: 'finish-died', pid, wstat: encodeWaitStatus(termination), now: clock() });
    });
    return { type: 'finish-spawned', pid, now: clock() };
  }

  private warnOnce(said: string): void {
    const message = this.handle.shown(said);
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.log.warn(`${this.name}: ${message}`);
  }

  /** Runs an I/O step whose failure must cost nothing but a warning (e.g. the service dir was deleted). */
  private bestEffort<T>(what: string, step: () => T, fallback: T): T {
    try {
      return step();
    } catch (err) {
      if (this.handle.currentPath() === undefined) {
        // The service directory is gone: the scanner says so once and stops the service; nothing to add per write.
        if (!this.removed) {
          this.removed = true;
          this.emit('removed');
        }
        return fallback;
      }
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      this.warnOnce(`cannot ${what} (${code})`);
      return fallback;
    }
  }

  private release(): void {
    if (this.exited) return;
    this.exited = true;
    this.deadline.clear();
    this.notification?.destroy();
    this.control?.close();
    // Closing the lock fd drops the fcntl lock: from here on s6-svok says "not running".
    if (this.lockFd !== undefined) fs.closeSync(this.lockFd);
    this.handle.close();
    this.exitResolve(); // first: whatever an 'exit' listener does, a scanner waiting for this supervisor is not stuck
    this.emit('exit');
  }
}
