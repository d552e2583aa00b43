/**
 * `nuwa init` in plain (tini) mode, when the image has a scan dir ($NUWA_SCANDIR, else /run/service): the services
 * there are supervised beside CMD. Kept small on purpose; the s6-overlay boot (overlay/) has its own sequence.
 *  - with CMD: CMD is the main program (signals go to it, its exit code is ours); when it exits, the services are
 *    stopped (down signal; loggers drained), bounded by the grace time, then leftovers get SIGTERM/SIGKILL;
 *  - without CMD: this process is the scanner, with s6-svscan's signals (SIGTERM stops everything, SIGHUP rescans,
 *    .s6-svscan/SIG<NAME> scripts); when it is finished, leftovers are cleaned up and .s6-svscan/finish is exec'd.
 *    Unlike s6-svscan, the stop is bounded by the grace time: a service that ignores its down signal would otherwise
 *    keep PID 1, and so the container, from ever ending (until the runtime's own SIGKILL, which skips finish).
 */
import { runMainProgram } from './main-program';
import { killAll, terminateAll } from '../sys/shutdown';
import { logger } from '../sys/logger';
import { isDirectory } from '../sys/files';
import { after, lateAfter, type Timer } from '../sys/timer';
import { AlreadyLockedError } from '../wire/lock';
import { defaultScanDir, runFinishScript, startScanner, type ScannerHandle } from '../scan';
import { serveHealthIfAsked } from './health-opt-in';

const log = logger('init');

/** The scan dir nuwa init supervises, or undefined when there is none. */
export function scanDirForInit(dir = defaultScanDir()): string | undefined {
  return isDirectory(dir) ? dir : undefined;
}

export async function initWithScanDir(scandir: string, command: string[], graceMs: number): Promise<number> {
  const withCommand = command.length > 0;
  let scanner: ScannerHandle;
  try {
    scanner = startScanner(scandir, { signals: !withCommand });
  } catch (err) {
    // A scan dir we cannot take (another scanner holds it, a stale non-FIFO control file) costs its services, not
    // the container: CMD still runs, and the one line below says what is missing and why.
    const why = err instanceof AlreadyLockedError ? 'another scanner is already running there' : (err as Error).message;
    log.error(`cannot supervise the services in ${scandir}: ${why}${withCommand ? '; running the command without them' : ''}`);
    if (!withCommand) return err instanceof AlreadyLockedError ? 100 : 111;
    return runMainProgram(command, { graceMs });
  }
  log.info(`supervising the services in ${scandir}`);
  let stopping = false;
  scanner.on('stopping', () => (stopping = true));
  serveHealthIfAsked({ scandir, supervises: (dir) => scanner.supervises(dir), against: () => (stopping ? ['PID 1 is stopping'] : []) });
  if (!withCommand) {
    let killTimer: Timer | undefined;
    scanner.on('stopping', (mode) => {
      if (mode === 'abort') return;
      killTimer = after(graceMs, () => {
        log.warn(`services still stopping ${graceMs} ms after the stop began: SIGKILL to what is left`);
        killAll();
      });
    });
    await scanner.finished;
    killTimer?.cancel();
    await terminateAll(Date.now() + graceMs);
    runFinishScript(scandir);
    return 0;
  }
  return runMainProgram(command, {
    graceMs,
    beforeCleanup: async () => {
      const late = lateAfter(graceMs, 'late' as const);
      if ((await Promise.race([scanner.stop('terminate').then(() => 'done' as const), late])) === 'late') {
        log.warn(`services still stopping ${graceMs} ms after the main program exited: SIGTERM/SIGKILL to what is left`);
      }
    },
  });
}
