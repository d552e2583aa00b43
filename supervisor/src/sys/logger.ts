/**
 * The supervisor's own log: one line per event on stderr, `nuwa <component>: <level>: message`.
 * Verbosity follows s6-overlay's S6_VERBOSITY: 0 errors, 1 + warnings, 2 + info (default), 3+ debug.
 * Kept dependency-free so the short-lived tools start fast; long-running applets call setupSupervisorLog()
 * (supervisor-log.ts), which plugs winston in through `setSink` for JSON lines and syslog forwarding.
 */
export type Level = 'error' | 'warn' | 'info' | 'debug';

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

export type Sink = (level: Level, component: string, message: string) => void;

const RANK: Record<Level, number> = { error: 0, warn: 1, info: 2, debug: 3 };
const LABEL: Record<Level, string> = { error: 'error: ', warn: 'warning: ', info: '', debug: 'debug: ' };

function verbosity(): number {
  const v = Number.parseInt(process.env.S6_VERBOSITY ?? '', 10);
  return Number.isNaN(v) ? 2 : v;
}

/** The plain form of a log line (without newline): `nuwa cron: warning: …`. */
export function plainLine(level: Level, component: string, message: string): string {
  return `nuwa ${component}: ${LABEL[level]}${message}`;
}

/**
 * Once stderr is a broken pipe (whoever read it went away), writing to it only yields EPIPE errors, and process.stderr
 * can never be destroyed, so each write fails again. Without a listener each failure is an uncaught exception, which
 * PID 1 logs — to stderr: a busy loop that starves every timer and signal handler. So every write to stderr from a
 * long-running nuwa goes through here, and the first write error silences stderr for good.
 */
let stderrBroken = false;
let stderrGuarded = false;

export function writeStderr(text: string | Uint8Array): void {
  if (stderrBroken) return;
  if (!stderrGuarded) {
    stderrGuarded = true;
    process.stderr.on('error', () => {
      stderrBroken = true;
    });
  }
  process.stderr.write(text);
}

const stderrSink: Sink = (level, component, message) => writeStderr(`${plainLine(level, component, message)}\n`);

let sink: Sink = stderrSink;
let threshold = verbosity();

let flushers: (() => Promise<void>)[] = [];

/** A sink that buffers (syslog over TCP) registers how to drain it; flushLogs() runs before the process exits. */
export function onFlush(flush: () => Promise<void>): void {
  flushers.push(flush);
}

export async function flushLogs(): Promise<void> {
  const pending = flushers;
  flushers = [];
  await Promise.all(pending.map((flush) => flush().catch(() => undefined)));
}

/** Replace where log lines go (e.g. winston with syslog forwarding). */
export function setSink(next: Sink): void {
  sink = next;
}

export function setVerbosity(level: number): void {
  threshold = level;
}

/** What was thrown, for a log line: an Error's stack, or the value itself (`throw null` and friends are legal). */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.stack ?? err.message;
  try {
    return String(err);
  } catch {
    return Object.prototype.toString.call(err); // an object whose toString throws
  }
}

export function logger(component: string): Logger {
  const emit = (level: Level) => (message: string) => {
    if (RANK[level] > threshold) return;
    try {
      sink(level, component, message);
    } catch {
      // A broken sink must not take PID 1 down; stderr is the last resort.
      stderrSink(level, component, message);
    }
  };
  return { error: emit('error'), warn: emit('warn'), info: emit('info'), debug: emit('debug') };
}
