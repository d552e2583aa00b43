/**
 * supervise/control: a FIFO of one-byte commands (s6-svc's letters). The supervisor keeps it open for reading and
 * writing (so it never sees EOF); a client opens it write-only and non-blocking — ENXIO means nobody is listening —
 * and writes all its letters in one write().
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Letters that send a signal to the running process (pid only, as s6 does). */
export const SIGNAL_LETTERS = {
  a: 'SIGALRM',
  b: 'SIGABRT',
  q: 'SIGQUIT',
  h: 'SIGHUP',
  k: 'SIGKILL',
  t: 'SIGTERM',
  i: 'SIGINT',
  '1': 'SIGUSR1',
  '2': 'SIGUSR2',
  y: 'SIGWINCH',
} as const satisfies Record<string, NodeJS.Signals>;

/** Letters that signal run's whole process group (s6 2.13+; Debian's 2.11 tools never send them). */
export const GROUP_LETTERS = { P: 'SIGSTOP', C: 'SIGCONT', K: 'SIGKILL' } as const satisfies Record<string, NodeJS.Signals>;

export type SignalLetter = keyof typeof SIGNAL_LETTERS;
export type GroupLetter = keyof typeof GROUP_LETTERS;
/** p/c pause and continue; r restart; o/d/u/D/U/x/O/Q change what is wanted (see s6-behaviour.md §3.2). */
export type StateLetter = 'p' | 'c' | 'r' | 'o' | 'd' | 'u' | 'D' | 'U' | 'x' | 'O' | 'Q';
export type ControlLetter = SignalLetter | GroupLetter | StateLetter;

const ALL = new Set<string>([...Object.keys(SIGNAL_LETTERS), ...Object.keys(GROUP_LETTERS), 'p', 'c', 'r', 'o', 'd', 'u', 'D', 'U', 'x', 'O', 'Q']);

export function isControlLetter(c: string): c is ControlLetter {
  return ALL.has(c);
}

/** Splits what was read from the FIFO into known letters; anything else is reported, never acted on. */
export function parseControlBytes(data: Buffer): { letters: ControlLetter[]; unknown: number[] } {
  const letters: ControlLetter[] = [];
  const unknown: number[] = [];
  for (const byte of data) {
    const c = String.fromCharCode(byte);
    if (isControlLetter(c)) letters.push(c);
    else unknown.push(byte);
  }
  return { letters, unknown };
}

export function controlPath(serviceDir: string): string {
  return path.join(serviceDir, 'supervise', 'control');
}

export class NotSupervisedError extends Error {
  constructor(readonly serviceDir: string) {
    super(`${serviceDir}: supervisor not listening`);
  }
}

/**
 * The one write() both clients below make: `letters` (possibly none) into `fifo`, opened write-only and
 * non-blocking. ENXIO, a FIFO nobody reads, comes back as 'not-listening'; any other open error is thrown.
 */
function writeToFifo(fifo: string, letters: string): 'sent' | 'not-listening' {
  let fd: number;
  try {
    fd = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENXIO') return 'not-listening';
    throw err;
  }
  try {
    if (letters.length > 0) fs.writeSync(fd, Buffer.from(letters, 'latin1'));
  } finally {
    fs.closeSync(fd);
  }
  return 'sent';
}

/** Writes `letters` to a service's control FIFO, as s6-svc does. Throws NotSupervisedError when nobody reads it. */
export function sendControl(serviceDir: string, letters: string, fifo = controlPath(serviceDir)): void {
  let outcome: 'sent' | 'not-listening';
  try {
    outcome = writeToFifo(fifo, letters);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotSupervisedError(serviceDir);
    throw err;
  }
  if (outcome === 'not-listening') throw new NotSupervisedError(serviceDir);
}

/** How a client's control write ended, in s6_svc_writectl's terms (s6-svc and s6-svscanctl map these to exit codes). */
export type ControlOutcome = 'sent' | 'not-listening' | 'broken';

/**
 * s6_svc_writectl: writes `letters` (possibly none: a liveness probe) to `dir/subdir/control` in one write().
 * 'not-listening': the FIFO has no reader, or `subdir` does not exist (nothing ever supervised `dir`).
 * 'broken': `subdir` exists but holds no usable FIFO. Throws (with the errno) when `dir` itself is not a usable
 * directory or the write fails: those are system errors, not a missing supervisor.
 */
export function writeControl(dir: string, subdir: string, letters: string): ControlOutcome {
  try {
    return writeToFifo(path.join(dir, subdir, 'control'), letters);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'EISDIR') throw err;
  }
  // Like s6: find out which level is missing before blaming the supervisor.
  if (!fs.statSync(dir).isDirectory()) throw Object.assign(new Error(`${dir}: not a directory`), { code: 'ENOTDIR' });
  try {
    fs.statSync(path.join(dir, subdir));
  } catch (inner) {
    if ((inner as NodeJS.ErrnoException).code === 'ENOENT') return 'not-listening';
  }
  return 'broken';
}
