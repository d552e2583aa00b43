/** How this program runs itself again (to start one of its applets as a child): the single executable, or node + script. */
export interface SelfCommand {
  file: string;
  /** Arguments before the applet's name. */
  prefix: string[];
}

export function selfCommand(): SelfCommand {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sea = require('node:sea') as { isSea(): boolean };
    if (sea.isSea()) return { file: process.execPath, prefix: [] };
  } catch {
    // node:sea does not exist outside a single executable on older Node versions
  }
  return { file: process.execPath, prefix: [process.argv[1] ?? ''] };
}
