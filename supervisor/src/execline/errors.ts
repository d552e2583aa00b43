/**
 * How an execline program fails: one line `PROG: fatal: …` (or `PROG: usage: …`) and execline's exit code — 100 for
 * a usage error, 111 for a system error, 126/127 when the next program cannot be executed. Never a stack trace.
 */
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

export function warn(program: string, message: string): void {
  process.stderr.write(`${program}: warning: ${message}\n`);
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
