/** How this program runs itself again: as a child (one of its applets), or in place with its runtime settings. */
import { native } from './native';
import { routeProcessWarnings } from './process-warnings';
import { isSea } from './sea';
import { restoreStartLimits } from './start-limits';

export interface SelfCommand {
  file: string;
  /** Arguments before the applet's name: [script] under Node, nothing in the single executable. */
  prefix: string[];
  /**
   * argv[0] for the child. In an image the executable is /init itself: a child started under that name would
   * dispatch to `init`, so it is called `nuwa`, and the multi-call dispatch takes the applet from the first argument.
   */
  argv0: string;
}

/** The single executable, or node + script. */
export function selfCommand(): SelfCommand {
  return isSea()
    ? { file: process.execPath, prefix: [], argv0: 'nuwa' }
    : { file: process.execPath, prefix: [process.argv[1] ?? ''], argv0: process.execPath };
}

/** One of this program's applets as a child: `applet` with `args`, through the single executable (or node + script). */
export function appletCommand(applet: string, args: readonly string[] = []): { file: string; args: string[]; argv0: string } {
  const self = selfCommand();
  return { file: self.file, args: [...self.prefix, applet, ...args], argv0: self.argv0 };
}

/**
 * V8 settings for the long-running applets. Node's young generation grows to 32 MB of semi-spaces under churn (a
 * service restarting in a loop); held at its initial size it keeps PID 1 ~25 MB smaller, for the price of more, very
 * short, scavenges. V8 reads this flag each time it considers growing the young generation, so it takes effect when
 * set at run time (measured: 2 MB of new space after the churn that grows it to 32 MB by default), and needs no
 * second start-up of Node with the flag on its command line. --optimize-for-size, read as the heap grows and as code
 * is compiled, keeps old space tighter: ~1 MB less anonymous memory after 1,000 crash-restarts (bench/README.md, "Memory at rest").
 * Flags read only at start-up (--max-semi-space-size, --v8-pool-size, --single-threaded-gc) could come from the SEA
 * config's execArgv (scripts/sea.js) without touching the code cache; measured, they gave nothing at rest (same page).
 */
const LONG_RUNNING_V8_FLAGS = '--semi-space-growth-factor=1 --optimize-for-size';

/**
 * Readies a long-running applet. An image's NODE_OPTIONS (meant for its Node.js app: `--inspect`, `--require
 * ./tracing.js`) never reaches nuwa itself: the executable is built with `execArgvExtension: "none"`
 * (scripts/build.js), so Node ignores the variable at start-up and leaves it in the environment the children inherit.
 */
export function prepareLongRunning(): void {
  // first: a warning raised from here on (a too-long timer in a library, a deprecation) is a line of our log, never
  // Node's raw `(node:1) …` on the container's console
  routeProcessWarnings();
  // required here, not imported at the top: every tool start would pay for loading node:v8 (~2 ms)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('node:v8') as typeof import('node:v8')).setFlagsFromString(LONG_RUNNING_V8_FLAGS);
  try {
    // Unpack and load the addon now, before any child exists: PID 1's reaper needs it from the first SIGCHLD, and a
    // main program started first would see /run/nuwa half-written.
    native();
  } catch {
    // said where it is first needed, with the reason
  }
  restoreStartLimits();
}
