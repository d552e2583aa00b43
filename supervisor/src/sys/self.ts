/** How this program runs itself again: as a child (one of its applets), or in place with its runtime settings. */
import { native } from './native';
import { isSea } from './sea';

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

/**
 * V8 settings for the long-running applets. Node's default young generation grows to ~48 MB under churn (a service
 * restarting in a loop); 1 MB semi-spaces keep PID 1 at ~35 MB for the price of more, very short, scavenges.
 */
const RUNTIME_FLAGS = '--max-semi-space-size=1';
const SAVED = 'NUWA_SAVED_NODE_OPTIONS';

/**
 * A single executable takes its V8 flags only from NODE_OPTIONS, so a long-running applet re-executes itself once,
 * in place (same pid: PID 1 stays PID 1), with nuwa's flags. This also keeps an image's NODE_OPTIONS, meant for its
 * Node.js app (`--require ./tracing.js`, `--inspect`), out of PID 1; the app's value is restored for the children.
 */
export function execWithRuntimeFlags(): void {
  const saved = process.env[SAVED];
  if (saved !== undefined) {
    delete process.env[SAVED];
    if (saved.startsWith('=')) process.env.NODE_OPTIONS = saved.slice(1);
    else delete process.env.NODE_OPTIONS;
    return;
  }
  if (!isSea()) return; // `node dist/nuwa.cjs`: node's own command line is the place for flags
  const original = process.env.NODE_OPTIONS;
  process.env[SAVED] = original === undefined ? '' : `=${original}`;
  process.env.NODE_OPTIONS = RUNTIME_FLAGS;
  try {
    native().execvp([process.argv[1] ?? process.execPath, ...process.argv.slice(2)], process.execPath);
  } catch {
    // Cannot exec (seccomp, a vanished binary): run with Node's defaults rather than not at all.
    delete process.env[SAVED];
    if (original === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = original;
  }
}
