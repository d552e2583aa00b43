/**
 * The supervision tree under /run/service, seen from the boot sequence: something that supervises every service
 * directory linked there, rescans on request, and stops. The boot only talks to it through the filesystem (service
 * dirs, supervise/control, event/), like s6-overlay's s6-rc-init and services-up scripts do with s6-svscan.
 *
 * The scanner is nuwa's own, in this process (scan/); NUWA_SCANNER=s6 uses Debian's s6-svscan instead when the
 * image has it (the reference the tests compare against).
 */
import { logger } from '../sys/logger';
import { startScanner } from '../scan';
import { spawn, type Spawned } from '../sys/spawner';
import { controlPath, NotSupervisedError, SCANNER_DIR, sendControl, writeControl } from '../wire/control';
import { isSupervised } from '../wire/lock';
import { findProgram } from '../sys/run-program';
import { lateAfter, sleep } from '../sys/timer';

const log = logger('init');

export interface Scanner {
  readonly scandir: string;
  /** Picks up new service dirs (s6-svscanctl -a). */
  rescan(): void;
  /** Picks up new dirs and stops supervising removed ones (s6-svscanctl -an). */
  prune(): void;
  /** Stops every supervisor and waits for the scanner to end, at most until `deadline` (epoch ms). */
  stop(deadline: number): Promise<void>;
  /**
   * Whether a supervisor runs `dir`. For s6-svscan: supervise/lock is held. An in-process scanner must answer itself:
   * POSIX record locks are invisible to the process that holds them.
   */
  supervises(dir: string): boolean;
  /**
   * Resolves when the scanner ended without stop() asking: a script sent it `s6-svscanctl -t` (or -q, -b). Under
   * s6-overlay that is the container's end: s6-linux-init's scanner finish runs stage 3.
   */
  readonly ended: Promise<void>;
}

export class ScannerUnavailable extends Error {}

/** What stands in for a scanner that could not start: nothing is supervised, every request is a no-op. */
export function absentScanner(scandir: string): Scanner {
  const never = new Promise<void>(() => undefined);
  return { scandir, rescan: () => undefined, prune: () => undefined, stop: async () => undefined, supervises: () => false, ended: never };
}

function tell(scandir: string, letters: string): void {
  try {
    sendControl(scandir, letters, controlPath(scandir, SCANNER_DIR));
  } catch (err) {
    if (!(err instanceof NotSupervisedError)) throw err;
    log.warn(`the scanner of ${scandir} is not listening (s6-svscanctl -${letters} not delivered)`);
  }
}

/** Debian's s6-svscan as a child, in its own session (a ^C on the terminal must not stop the supervision tree). */
export async function startS6Svscan(scandir: string, env: NodeJS.ProcessEnv): Promise<Scanner> {
  const program = findProgram('s6-svscan', env.PATH) ?? findProgram('s6-svscan', '/command:/usr/bin:/bin:/usr/sbin:/sbin');
  if (!program) throw new ScannerUnavailable('no scanner: s6-svscan is not in this image');
  // -t 0: rescan only when told, as s6-linux-init runs it; the boot sends `a` after each change.
  const child: Spawned = await spawn(program, ['-t', '0', scandir], {
    env,
    cwd: scandir,
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  let exited = false;
  let stopping = false;
  const ended = child.exited.then((t) => {
    exited = true;
    log.debug(`s6-svscan ended (${t.code ?? `signal ${t.signal}`})`);
  });
  await untilListening(scandir, () => exited);
  return {
    ended: ended.then(() => (stopping ? new Promise<void>(() => undefined) : undefined)),
    scandir,
    rescan: () => tell(scandir, 'a'),
    prune: () => tell(scandir, 'an'),
    supervises: (dir) => isSupervised(dir),
    async stop(deadline) {
      stopping = true;
      if (exited) return;
      tell(scandir, 't');
      const late = lateAfter(Math.max(0, deadline - Date.now()), 'late' as const);
      if ((await Promise.race([child.exited, late])) === 'late') log.warn('s6-svscan did not stop in time');
    },
  };
}

/** Boot-time only: the scanner's control FIFO accepts a writer once it is ready for commands. */
async function untilListening(scandir: string, gone: () => boolean): Promise<void> {
  const fifo = controlPath(scandir, SCANNER_DIR);
  const deadline = Date.now() + 10_000;
  for (;;) {
    // A liveness probe (no letters). Not there yet is 'not-listening', or 'broken' while s6-svscan is still
    // creating the FIFO in its .s6-svscan.
    if (writeControl(fifo, '') === 'sent') return;
    if (gone()) throw new ScannerUnavailable('the scanner exited at once (see its message above)');
    if (Date.now() > deadline) throw new ScannerUnavailable(`the scanner did not start listening on ${fifo} within 10 s`);
    await sleep(5);
  }
}

/**
 * nuwa's scanner, in this process. It spawns services with this process's environment, so the boot sets that to
 * the tree's (PATH only, as s6-linux-init gives s6-svscan) before calling this.
 */
export function startNuwaScanner(scandir: string): Scanner {
  // No directory watcher: like s6-overlay's s6-svscan -t0, the boot rescans when it changes the scan dir.
  const handle = startScanner(scandir, { watch: false, controlDir: true, signals: false, log: logger('svscan') });
  let stopping = false;
  return {
    ended: handle.finished.then(() => (stopping ? new Promise<void>(() => undefined) : undefined)),
    scandir,
    rescan: () => handle.rescan(),
    prune: () => handle.rescan('hangup-loggers'),
    supervises: (dir) => handle.supervises(dir),
    async stop(deadline) {
      stopping = true;
      const late = lateAfter(Math.max(0, deadline - Date.now()), 'late' as const);
      if ((await Promise.race([handle.stop('terminate').then(() => 'done' as const), late])) === 'late')
        log.warn('the supervisors did not all stop in time');
    },
  };
}

/** The scanner the boot uses: nuwa's, or Debian's s6-svscan with NUWA_SCANNER=s6. */
export async function startTreeScanner(scandir: string, env: NodeJS.ProcessEnv, kind = process.env.NUWA_SCANNER): Promise<Scanner> {
  if (kind === 's6') return startS6Svscan(scandir, env);
  return startNuwaScanner(scandir);
}
