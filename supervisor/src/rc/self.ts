/**
 * How to run another nuwa applet from this process: the single executable (called by the name `nuwa`, so that the
 * multi-call dispatch picks the applet from the first argument even when the file is /init), or under plain Node
 * (`node dist/nuwa.cjs`, the tests' fallback) the same script.
 */
export interface SelfCommand {
  file: string;
  /** Arguments that come before the applet's own: [script] under Node, nothing in the single executable. */
  prefix: string[];
  /** argv[0] to give the child. */
  argv0: string;
}

export function isSea(): boolean {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('node:sea') as { isSea(): boolean }).isSea();
  } catch {
    return false; // node:sea does not exist outside a single executable on older Node versions
  }
}

export function selfCommand(): SelfCommand {
  if (isSea()) return { file: process.execPath, prefix: [], argv0: 'nuwa' };
  return { file: process.execPath, prefix: [process.argv[1] ?? ''], argv0: process.execPath };
}
