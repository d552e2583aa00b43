/**
 * How an execline program fails: one line `PROG: fatal: …` (or `PROG: usage: …`) and execline's exit code — 100 for
 * a usage error, 111 for a system error, 126/127 when the next program cannot be executed. Never a stack trace.
 */
import * as fs from 'node:fs';

export class ExeclineError extends Error {
  constructor(
    readonly program: string,
    readonly code: number,
    message: string,
    readonly kind: 'fatal' | 'usage' = 'fatal',
  ) {
    super(message);
  }

  line(): string {
    return `${this.program}: ${this.kind}: ${this.message}`;
  }
}

export function usage(program: string, text: string): ExeclineError {
  return new ExeclineError(program, 100, text, 'usage');
}

/**
 * Where the chain's messages go: descriptor 2 as the script sees it (after `fdmove -c 2 1`, stdout). Written with
 * fs.writeSync, never through process.stderr: Node's stream would make a pipe or socket non-blocking, and the
 * programs the chain execs would inherit that.
 */
let stderrFd: () => number | undefined = () => 2;

export function setStderr(fd: () => number | undefined): void {
  stderrFd = fd;
}

export function say(line: string): void {
  const fd = stderrFd();
  if (fd === undefined) return;
  try {
    fs.writeSync(fd, `${line}\n`);
  } catch {
    // nowhere to say it
  }
}

export function warn(program: string, message: string): void {
  say(`${program}: warning: ${message}`);
}

/** strerror's words for the errno codes a script meets, as execline prints them. */
const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EEXIST: 'File exists',
  EBADF: 'Bad file descriptor',
  ENOEXEC: 'Exec format error',
  EPERM: 'Operation not permitted',
  ENXIO: 'No such device or address',
  EINVAL: 'Invalid argument',
  E2BIG: 'Argument list too long',
  EMFILE: 'Too many open files',
};

export function strerror(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return STRERROR[code] ?? (err instanceof Error ? err.message : String(err));
}
