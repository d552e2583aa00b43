/**
 * The scanner's programmatic API: what `nuwa svscan`, `nuwa init` and the s6-overlay boot build on.
 *
 *   const scanner = startScanner('/run/service', { watch: true, signals: false });
 *   scanner.on('service-state', (s) => …);   // s.name ('foo' or 'foo/log'), s.letters ('u', 'U', 'd', 'D', 'OD', …),
 *                                             // s.status (the 35-byte status as an object), s.phase
 *   scanner.on('stopping', (mode) => …);      // a stop has begun (from stop(), s6-svscanctl or a signal)
 *   scanner.rescan();                         // s6-svscanctl -a: start services that appeared
 *   scanner.rescan('hangup-loggers');         // s6-svscanctl -h: … and stop those whose directory is gone
 *   scanner.command('t');                     // any s6-svscanctl letter
 *   await scanner.stop('terminate');          // s6-svscanctl -t: services down, loggers drained, all supervisors exited
 *   const mode = await scanner.finished;      // resolves on stop() or on a t/q/b from s6-svscanctl or a signal
 *
 * Options:
 *   watch       (default true)  rescan+prune automatically when entries of the scan dir appear or disappear (chokidar)
 *   controlDir  (default true)  take `.s6-svscan/lock` and listen on `.s6-svscan/control` (s6-svscanctl works)
 *   signals     (default false) handle SIGHUP/SIGINT/SIGTERM/SIGQUIT/… as s6-svscan does, with `.s6-svscan/SIG<NAME>`
 *                               scripts; leave false when the caller (PID 1) routes signals itself
 *   rescanMs    (default 0)     s6-svscan -t: also rescan every N ms (0 = never; the watcher makes it unnecessary)
 *
 * Every service gets its own supervisor in this process; `supervise/` of each service dir is written exactly as
 * s6-supervise writes it, so Debian's s6-svc, s6-svstat, s6-svwait, s6-svok and s6-svscanctl work unchanged.
 * Running `.s6-svscan/finish` after a stop is the caller's business (see runFinishScript).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventEmitter } from 'node:events';
import { logger, type Logger } from '../sys/logger';
import { native } from '../sys/native';
import { RateLimited } from '../sys/rate-limit';
import { every, type Timer } from '../sys/timer';
import { SCANNER_DIR } from '../wire/control';
import { openScanControl, SCAN_LETTERS, type ScanCommand, type ScanControl } from './control';
import { Scanner, type PruneMode, type ScannerEvents, type ServiceState, type StopMode } from './scanner';
import { routeScannerSignals } from './signals';
import { watchScanDir, type ScanDirWatcher } from './watcher';

export type { PruneMode, ServiceState, StopMode } from './scanner';
export type { ScanCommand } from './control';

export interface ScannerOptions {
  watch?: boolean;
  controlDir?: boolean;
  signals?: boolean;
  rescanMs?: number;
  log?: Logger;
}

export interface ScannerHandle {
  readonly dir: string;
  on<K extends keyof ScannerEvents>(event: K, listener: (...args: ScannerEvents[K]) => void): ScannerHandle;
  off<K extends keyof ScannerEvents>(event: K, listener: (...args: ScannerEvents[K]) => void): ScannerHandle;
  rescan(prune?: PruneMode): void;
  /** An s6-svscanctl letter (a h n N t i q b z), as if written to .s6-svscan/control. */
  command(letter: string): void;
  stop(mode: StopMode): Promise<void>;
  /** Every supervisor: name ('foo', 'foo/log'), dir, whether its dir is still in the scan dir, status. */
  list(): ReturnType<Scanner['list']>;
  /**
   * Whether a supervisor of this process runs `dir` (any path to it: symlinks are resolved). What s6-svok learns from
   * supervise/lock, answered from inside: POSIX record locks are invisible to the process that holds them.
   */
  supervises(dir: string): boolean;
  /** Resolves with the stop mode once the scanner is finished (watcher, control FIFO and lock released). */
  readonly finished: Promise<StopMode>;
}

export function startScanner(dir: string, options: ScannerOptions = {}): ScannerHandle {
  const scandir = path.resolve(dir);
  const log = options.log ?? logger('svscan');
  if (!fs.statSync(scandir).isDirectory()) throw new Error(`${scandir} is not a directory`);
  const scanner = new Scanner(scandir, log, { recheckUnusable: options.watch !== false });
  const events = new EventEmitter<ScannerEvents>();
  scanner.on('service-state', (state: ServiceState) => events.emit('service-state', state));
  scanner.on('stopping', (mode) => events.emit('stopping', mode));

  /** Carries out an s6-svscanctl command, from the control FIFO, a signal or command(). */
  const runCommand = (command: ScanCommand): void => {
    switch (command) {
      case 'scan':
        return scanner.scan();
      case 'scan-prune':
        return scanner.scan('hangup-loggers');
      case 'prune':
        return scanner.prune('hangup-loggers');
      case 'prune-all':
        return scanner.prune('terminate-all');
      case 'terminate':
        void scanner.stop('terminate');
        return;
      case 'quit':
        void scanner.stop('quit');
        return;
      case 'abort':
        void scanner.stop('abort');
        return;
      case 'reap':
        return; // the reaper already reaps on every SIGCHLD
    }
  };

  const control = options.controlDir !== false ? openControl(scandir, runCommand, log) : undefined;
  let watcher: ScanDirWatcher | undefined;
  if (options.watch !== false) watcher = watchScanDir(scandir, () => scanner.scan('hangup-loggers'), log);
  let rescanTimer: Timer | undefined;
  if (options.rescanMs && options.rescanMs > 0) rescanTimer = every(options.rescanMs, () => scanner.scan(), { unref: true });
  const unroute = options.signals ? routeScannerSignals(scandir, runCommand, log) : () => undefined;

  const finished = new Promise<StopMode>((resolve) => {
    scanner.once('finished', (mode) => {
      rescanTimer?.cancel();
      unroute();
      control?.close();
      void watcher?.close();
      events.emit('finished', mode);
      resolve(mode);
    });
  });

  scanner.scan();

  const handle: ScannerHandle = {
    dir: scandir,
    on(event, listener) {
      events.on(event, listener as never);
      return handle;
    },
    off(event, listener) {
      events.off(event, listener as never);
      return handle;
    },
    rescan: (prune) => scanner.scan(prune),
    command(letter) {
      const command = SCAN_LETTERS[letter];
      if (!command) throw new Error(`unknown svscanctl letter '${letter}'`);
      runCommand(command);
    },
    stop: (mode) => scanner.stop(mode),
    list: () => scanner.list(),
    supervises(dir) {
      const target = realpath(dir);
      return scanner.list().some((s) => s.status !== undefined && realpath(s.dir) === target);
    },
    finished,
  };
  return handle;
}

/**
 * `.s6-svscan/` (lock and control FIFO). Garbage on the FIFO is said at once, then at most one line a second with a
 * count: a flood of bytes is not a flood of lines.
 */
function openControl(scandir: string, runCommand: (command: ScanCommand) => void, log: Logger): ScanControl {
  const garbage = new RateLimited(
    (_bytes, hex) => log.warn(`ignored unknown command byte(s) on ${SCANNER_DIR}/control (hex ${hex})`),
    ({ times, amount, first, periodMs }) =>
      log.warn(
        `ignored unknown command byte(s) on ${SCANNER_DIR}/control: ${amount} more in ${times} read(s) ` +
          `over the last ${periodMs / 1000} s (the first: hex ${first})`,
      ),
  );
  return openScanControl(scandir, runCommand, (bytes) => garbage.report(bytes.length, bytes.subarray(0, 16).toString('hex')));
}

/**
 * What s6-svscan does when it is finished: exec `.s6-svscan/finish` (no arguments, cwd = the scan dir) if it exists,
 * replacing this process; otherwise return so the caller exits 0.
 */
export function runFinishScript(scandir: string, log: Logger = logger('svscan')): void {
  const finish = path.join(scandir, SCANNER_DIR, 'finish');
  if (!fs.existsSync(finish)) return;
  try {
    process.chdir(scandir);
    native().execvp([`./${SCANNER_DIR}/finish`]);
  } catch (err) {
    log.error(`cannot exec ${finish}: ${(err as Error).message}`);
  }
}

/** The scan dir `nuwa init` supervises: $NUWA_SCANDIR, else /run/service. */
export function defaultScanDir(): string {
  return process.env.NUWA_SCANDIR || '/run/service';
}

function realpath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}
