/** Every applet (init, svscan, svc, ...) is a module exporting `main`: argv after the applet name in, exit code out. */
export type AppletMain = (argv: string[]) => Promise<number> | number;

/** A usage error: the applet prints one line naming the problem and exits with `code` (s6's convention: 100). */
export class UsageError extends Error {
  constructor(message: string, readonly code = 100) {
    super(message);
  }
}
