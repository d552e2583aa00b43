/** Every applet (init, svscan, svc, ...) is a module exporting `main`: argv after the applet name in, exit code out. */
export type AppletMain = (argv: string[]) => Promise<number> | number;
