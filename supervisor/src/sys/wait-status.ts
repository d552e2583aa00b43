/**
 * Raw wait statuses (what waitpid returns, and what s6 stores in supervise/status): exit n ⇒ n<<8,
 * killed by signal s ⇒ s (|0x80 when a core was dumped).
 */
import { constants } from 'node:os';

export interface Termination {
  /** Exit code, or null when the process was killed by a signal. */
  code: number | null;
  /** Signal number, or null when the process exited. */
  signal: number | null;
}

export function decodeWaitStatus(raw: number): Termination {
  const signal = raw & 0x7f;
  return signal === 0 ? { code: (raw >> 8) & 0xff, signal: null } : { code: null, signal };
}

export function encodeWaitStatus(t: Termination): number {
  return t.signal !== null ? t.signal & 0x7f : (t.code ?? 0) << 8;
}

/** Node reports a signal by name ('SIGTERM'); s6 and shells think in numbers. */
export function signalNumber(name: NodeJS.Signals | string): number {
  const n = (constants.signals as Record<string, number>)[name];
  if (n === undefined) throw new Error(`unknown signal ${name}`);
  return n;
}

export function signalName(n: number): string {
  const entry = Object.entries(constants.signals).find(([, value]) => value === n);
  return entry ? entry[0] : `SIG${n}`;
}

/** From a child_process 'exit' event. */
export function fromNodeExit(code: number | null, signal: NodeJS.Signals | null): Termination {
  return signal ? { code: null, signal: signalNumber(signal) } : { code: code ?? 0, signal: null };
}

/** What a shell reports as $?: the exit code, or 128+n for a death by signal n. */
export function shellExitCode(t: Termination): number {
  return t.signal !== null ? 128 + t.signal : (t.code ?? 0);
}

/** WIFEXITED on a raw wait status. */
export function rawExited(raw: number): boolean {
  return (raw & 0x7f) === 0;
}

/** WIFSIGNALED on a raw wait status (0x7f in the low bits means "stopped", which is neither). */
export function rawSignaled(raw: number): boolean {
  const low = raw & 0x7f;
  return low !== 0 && low !== 0x7f;
}

/** skalibs' sig0_scan: a signal number, or a name with or without the SIG prefix (any case). */
export function parseSignal(text: string): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n > 0 && n < 65 ? n : undefined;
  }
  const upper = text.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return (constants.signals as Record<string, number>)[name];
}
