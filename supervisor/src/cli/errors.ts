/**
 * How an applet fails: it throws one of these, and the dispatcher (main.ts) prints `nuwa APPLET: message` as one line
 * (see failureLine)
 * and exits with the error's code. The codes are s6's: 100 for a usage error, 111 for a system error; a tool with a
 * documented code of its own (s6-svwait's 99 on timeout, s6-svc -w's 1) throws AppletError with it.
 */
export class AppletError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** Wrong arguments or a bad request: exit 100. */
export class UsageError extends AppletError {
  constructor(message: string) {
    super(message, 100);
  }
}

/** The system said no (a file cannot be read, a FIFO cannot be opened): exit 111. */
export class SystemError extends AppletError {
  constructor(message: string) {
    super(message, 111);
  }
}

/**
 * `APPLET --help`: the dispatcher prints `usage` on stdout and exits 0. Thrown before the applet does anything, so
 * that --help never acts (a `halt --help` that halted the container was a bug).
 */
export class HelpRequest extends AppletError {
  constructor(readonly usage: string) {
    super(usage, 0);
  }
}

/** Called by the name of a program nuwa stands in for; then the applet speaking now (a chain runs several). */
let standingIn = false;
let speaker: string | undefined;

/**
 * Called by the name of a program nuwa stands in for (`/command/s6-svc`, a symlink to nuwa, as s6-overlay images call
 * it), an applet speaks as that program: `s6-svc: fatal: …`, `s6-svc: warning: …`, as skarnet's tools do. Called as
 * `nuwa s6-svc`, or by a name of nuwa's own (`/init`), it says `nuwa s6-svc: …`. The dispatcher says which once,
 * before any applet runs.
 */
export function setStandingIn(yes: boolean): void {
  standingIn = yes;
}

/** The applet about to run (the dispatcher says so for each, including those a chain runs in its process). */
export function setSpeaker(applet: string): void {
  speaker = applet;
}

/** The line an applet ends with: its name, and for a failure that is not a usage error, skalibs' `fatal:`. */
export function failureLine(tool: string, err: AppletError): string {
  return standingIn ? `${tool}: ${err.code === 100 ? '' : 'fatal: '}${err.message}` : `nuwa ${tool}: ${err.message}`;
}

/** One warning line: `tool` names the applet in nuwa's words, the name it was called by in s6's. */
export function warn(tool: string, message: string): void {
  process.stderr.write(`${standingIn ? (speaker ?? tool) : `nuwa ${tool}`}: warning: ${message}\n`);
}

/** "No such file or directory" rather than Node's "ENOENT: no such file or directory, open '/x'". */
export function reason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const match = /^[A-Z0-9]+: (.*?)(?:, \w+ '.*')?$/.exec(message);
  return match ? (match[1] as string) : message;
}
