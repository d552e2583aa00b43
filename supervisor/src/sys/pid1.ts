/**
 * What any long-running nuwa process owes the container when it may be PID 1: adopt orphans, reap them, and never
 * die of its own fault (if PID 1 dies, the kernel kills the whole container).
 */
import { describeError, logger } from './logger';
import { native } from './native';
import { keepSmallAtRest } from './memory';
import { routeProcessWarnings } from './process-warnings';
import { reaper } from './reaper';
import { arrivalsOf } from './signals';
import { signalNumber } from './wait-status';

const log = logger('init');

export function becomeInit(): void {
  if (process.pid !== 1) {
    // Not PID 1 (a test, `podman run --init`, a shell): become a child subreaper, as `tini -s` does, so orphans of
    // our descendants are re-parented to us instead of escaping to the real init.
    try {
      native().setChildSubreaper();
    } catch (err) {
      log.warn(`not PID 1 and cannot become a child subreaper (${(err as Error).message}): orphans will escape`);
    }
  }
  reaper.start();
  keepSmallAtRest();
  // winston (JSON lines, syslog) is loaded only when asked for: the plain default needs no library, and PID 1 stays
  // small. Lines logged before it is ready go to stderr.
  if (process.env.NUWA_LOG_FORMAT || process.env.NUWA_SYSLOG) {
    void import('./supervisor-log').then((m) => m.setupSupervisorLog());
  }
  // A console that went away (the reader of our stderr exited) makes every log line fail with EPIPE, reported as an
  // 'error' event; unhandled, each became an uncaughtException whose own log line failed again: PID 1 spun at 100%
  // CPU forever (seen on test machines). Losing the console loses the messages, nothing else. (stdout is left alone:
  // init never writes there, and creating the stream could change the mode of a descriptor CMD shares.)
  process.stderr.on('error', () => undefined);
  routeProcessWarnings(); // Node's own warnings as lines of our log (prepareLongRunning does it too; once is enough)
  // An exception inside these handlers would kill the process for good (Node exits 7), so they only format and log;
  // describeError copes with anything thrown, `throw null` included.
  process.on('uncaughtException', (err: unknown) => log.error(`internal error, survived: ${describeError(err)}`));
  process.on('unhandledRejection', (err: unknown) => log.error(`internal error, survived: ${describeError(err)}`));
}

/**
 * Passes `signals` on to `pid` from the signal handler itself (supervisor/native/pid1.c): the main program gets them
 * within microseconds, as under tini, not after the event loop has woken. JavaScript still hears each signal (the grace
 * timer starts there) and calls the returned `owed(signal)`: true when some arrival of it was not passed on natively
 * (it came before the handler was installed, and is reaching JavaScript only now), so the route sends it itself.
 * Counting arrivals (JS) against native forwards makes every signal reach the main program at least once and, except
 * for that race at installation, exactly once. undefined when the addon cannot: the route then passes every signal on.
 */
export function forwardNatively(pid: number, signals: readonly NodeJS.Signals[]): NativeForwarding | undefined {
  let addon;
  try {
    addon = native();
    if (!addon.forwardSignals(pid, signals.map(signalNumber))) return undefined;
  } catch (err) {
    log.warn(`signals are passed on from JavaScript (${(err as Error).message})`);
    return undefined;
  }
  const settled = new Map<NodeJS.Signals, number>();
  return {
    owed(signal) {
      const unforwarded = arrivalsOf(signal) - addon.forwardedCount(signalNumber(signal));
      if (unforwarded <= (settled.get(signal) ?? 0)) return false;
      settled.set(signal, unforwarded); // one send settles every arrival so far, as the kernel merges a pending signal
      return true;
    },
    stop: () => addon.stopForwarding(),
  };
}

export interface NativeForwarding {
  /** Whether the route must send `signal` on itself (an arrival the native handler did not see). */
  owed(signal: NodeJS.Signals): boolean;
  /** libuv's handlers back; call before the routes are removed. */
  stop(): void;
}
