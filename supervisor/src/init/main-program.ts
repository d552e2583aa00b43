/**
 * tini's job: run one main program, pass signals on to it, and exit with its status.
 *
 * Exit paths (each explicit):
 *  - the main program exits or dies: leftovers get SIGTERM, then SIGKILL after the grace time; exit with its code,
 *    or 128+n when signal n killed it;
 *  - SIGTERM/SIGINT to us: passed on; if the main program outlives the grace time, everything gets SIGKILL;
 *  - the main program cannot be started: one line on stderr, exit 127 (not found) or 126 (not executable).
 */
import { logger } from '../sys/logger';
import { FORWARDED, routeSignals } from '../sys/signals';
import { spawn, SpawnError, type Spawned } from '../sys/spawner';
import { shellExitCode } from '../sys/wait-status';
import { forwardNatively } from '../sys/pid1';
import { killAll, terminateAll } from '../sys/shutdown';
import { after, type Timer } from '../sys/timer';

const log = logger('init');

/**
 * Signals a terminal sends to its whole foreground process group. When stdin is a TTY the main program stays in our
 * process group (so job control and ^C work), already receives these from the terminal, and must not get them twice.
 */
const FROM_TERMINAL: ReadonlySet<NodeJS.Signals> = new Set(['SIGINT', 'SIGQUIT', 'SIGWINCH']);

export interface MainProgramOptions {
  /** ms between passing SIGTERM on and SIGKILL (S6_KILL_GRACETIME). */
  graceMs: number;
  /**
   * Runs once the main program has exited, before leftovers get SIGTERM: a supervision tree stops here first, or its
   * supervisors would restart the services the blanket SIGTERM kills.
   */
  beforeCleanup?: () => Promise<void>;
}

export async function runMainProgram(command: string[], options: MainProgramOptions): Promise<number> {
  const [file, ...args] = command as [string, ...string[]];
  const terminal = process.stdin.isTTY === true;
  let main: Spawned;
  try {
    // Off a terminal the main program gets its own session, so a signal meant for it never hits us as well.
    main = await spawn(file, args, { stdio: 'inherit', detached: !terminal });
  } catch (err) {
    if (!(err instanceof SpawnError)) throw err;
    log.error(err.message);
    return err.exitCode;
  }

  let killTimer: Timer | undefined;
  let deadline: number | undefined;
  const beginShutdown = () => {
    if (deadline !== undefined) return;
    deadline = Date.now() + options.graceMs;
    killTimer = after(options.graceMs, () => {
      log.warn(`main program (pid ${main.pid}) still running ${options.graceMs} ms after the stop signal: SIGKILL`);
      killAll();
    });
  };
  // Off a terminal every forwarded signal is ours to pass on; on one, the terminal sends some to the program itself.
  const passed = FORWARDED.filter((signal) => !(terminal && FROM_TERMINAL.has(signal)));
  // Installed before the routes: from here on the signal handler passes signals on itself (sys/pid1.ts).
  const natively = forwardNatively(main.pid, passed);
  const stopRouting = routeSignals(
    Object.fromEntries(
      FORWARDED.map((signal) => [
        signal,
        () => {
          if (passed.includes(signal) && (natively?.owed(signal) ?? true)) {
            try {
              process.kill(main.pid, signal);
            } catch {
              // it is exiting already; its exit is handled below
            }
          }
          if (signal === 'SIGTERM' || signal === 'SIGINT') beginShutdown();
        },
      ]),
    ),
  );

  const termination = await main.exited;
  killTimer?.cancel();
  await options.beforeCleanup?.();
  await terminateAll(deadline ?? Date.now() + options.graceMs);
  natively?.stop();
  stopRouting();
  return shellExitCode(termination);
}
