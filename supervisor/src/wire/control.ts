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
/** p/c pause and continue; r restart; o/d/u/D/U/x/O/Q change what is wanted (s6-svc's page on skarnet.org; docs/tools.md). */
export type StateLetter = 'p' | 'c' | 'r' | 'o' | 'd' | 'u' | 'D' | 'U' | 'x' | 'O' | 'Q';
export type ControlLetter = SignalLetter | GroupLetter | StateLetter;

const ALL = new Set<string>([
  ...Object.keys(SIGNAL_LETTERS),
  ...Object.keys(GROUP_LETTERS),
  'p',
  'c',
  'r',
  'o',
  'd',
  'u',
  'D',
  'U',
  'x',
  'O',
  'Q',
]);

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

/** Where a supervisor's (`supervise`) or a scanner's (`.s6-svscan`) control FIFO lives: the one place both are named. */
export const SUPERVISE_DIR = 'supervise';
export const SCANNER_DIR = '.s6-svscan';

export function controlPath(dir: string, subdir: typeof SUPERVISE_DIR | typeof SCANNER_DIR = SUPERVISE_DIR): string {
  return path.join(dir, subdir, 'control');
}

/** How a client's control write ended, in s6_svc_writectl's terms (s6-svc and s6-svscanctl map these to exit codes). */
export type ControlOutcome = 'sent' | 'not-listening' | 'broken';

/**
 * The control client (s6_svc_writectl): writes `letters` (possibly none: a liveness probe) to `fifo` in one write(),
 * opened write-only and non-blocking. 'not-listening': the FIFO has no reader (ENXIO), or the directory holding it
 * does not exist (nothing ever supervised there). 'broken': that directory exists but holds no usable FIFO. Throws
 * (with the errno) when the directory above it is not a usable directory or the write fails: those are system
 * errors, not a missing supervisor. s6's tools (tools/control-client.ts) turn the outcome into exit codes,
 * nuwa's own callers use sendControl below.
 */
export function writeControl(fifo: string, letters: string): ControlOutcome {
  let fd: number;
  try {
    fd = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENXIO') return 'not-listening';
    if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'EISDIR') throw err;
    return diagnose(fifo);
  }
  try {
    if (letters.length > 0) fs.writeSync(fd, Buffer.from(letters, 'latin1'));
  } finally {
    fs.closeSync(fd);
  }
  return 'sent';
}

/** Like s6: find out which level is missing before blaming the supervisor. */
function diagnose(fifo: string): ControlOutcome {
  const holder = path.dirname(fifo);
  const dir = path.dirname(holder);
  if (!fs.statSync(dir).isDirectory()) throw Object.assign(new Error(`${dir}: not a directory`), { code: 'ENOTDIR' });
  try {
    fs.statSync(holder);
  } catch (inner) {
    if ((inner as NodeJS.ErrnoException).code === 'ENOENT') return 'not-listening';
  }
  return 'broken';
}

export class NotSupervisedError extends Error {
  constructor(readonly serviceDir: string) {
    super(`${serviceDir}: supervisor not listening`);
  }
}

/**
 * writeControl for nuwa's own callers (the s6-rc engine, the boot, halt): anything but 'sent' throws
 * NotSupervisedError, and so does a missing directory; other system errors are thrown as they are.
 */
export function sendControl(dir: string, letters: string, fifo = controlPath(dir)): void {
  let outcome: ControlOutcome;
  try {
    outcome = writeControl(fifo, letters);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotSupervisedError(dir);
    throw err;
  }
  if (outcome !== 'sent') throw new NotSupervisedError(dir);
}
