/**
 * Running the short-lived programs of the boot and shutdown (oneshots, cont-init.d and cont-finish.d scripts, the
 * stage-2 hook) in their own session, as s6-rc's oneshot runner does, so that a ^C on the container's terminal does
 * not reach them. A time limit, when given, ends the whole process group: SIGTERM, then SIGKILL a second later.
 * While a program runs long, one line says so every SLOW_NOTICE_MS, so that a hung boot names its culprit.
 */
import * as path from 'node:path';
import type { Logger } from './logger';
import { spawn, SpawnError } from './spawner';
import { after, every, type Timer } from './timer';
import { shellExitCode, signalName, type Termination } from './wait-status';
import { isExecutableFile } from './files';

/** How often a long-running step is named on the console. */
export const SLOW_NOTICE_MS = 10_000;
const KILL_AFTER_TERM_MS = 1000;

export interface RunOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** ms; 0 or undefined = no limit. */
  timeoutMs?: number;
  /** Ends the program early (shutdown began): same treatment as a timeout. */
  abort?: AbortSignal;
  /** Where "still running" notices go, and what to call the program in them. */
  log?: Logger;
  what?: string;
  /** Signal used when the time limit is reached (s6-maximumtime -k: SIGKILL). */
  timeoutSignal?: NodeJS.Signals;
  /** Boot steps get /dev/null; a command-line tool passes its own stdin on. */
  stdin?: 'ignore' | 'inherit';
  /** argv[0] when it must differ from the file (nuwa run as one of its applets: see sys/self.ts). */
  argv0?: string;
}

export interface RunResult {
  /** Shell-style code: the exit code, 128+n for signal n, 126/127 when it could not be started. */
  code: number;
  termination?: Termination;
  timedOut: boolean;
  aborted: boolean;
  /** Why it could not be started, when it could not. */
  spawnError?: string;
}

export function describeResult(r: RunResult): string {
  if (r.spawnError) return r.spawnError;
  if (r.timedOut) return 'timed out';
  if (r.termination?.signal != null) return `killed by ${signalName(r.termination.signal)}`;
  return `exited ${r.code}`;
}

export async function runProgram(argv: readonly string[], options: RunOptions): Promise<RunResult> {
  const [file, ...args] = argv as [string, ...string[]];
  if (options.abort?.aborted) return { code: 111, timedOut: false, aborted: true };
  let child;
  try {
    child = await spawn(file, args, {
      env: options.env,
      cwd: options.cwd ?? '/',
      stdio: [options.stdin ?? 'ignore', 'inherit', 'inherit'],
      detached: true,
      argv0: options.argv0,
    });
  } catch (err) {
    if (!(err instanceof SpawnError)) throw err;
    return { code: err.exitCode, timedOut: false, aborted: false, spawnError: err.message };
  }
  const pgid = child.pid;
  let timedOut = false;
  let aborted = false;
  const timers: Timer[] = [];
  const end = (signal: NodeJS.Signals) => {
    signalGroup(pgid, signal);
    signalGroup(pgid, 'SIGCONT');
    if (signal !== 'SIGKILL') timers.push(after(KILL_AFTER_TERM_MS, () => signalGroup(pgid, 'SIGKILL')));
  };
  if (options.timeoutMs) {
    timers.push(
      after(options.timeoutMs, () => {
        timedOut = true;
        options.log?.warn(`${options.what ?? file} still running after ${options.timeoutMs} ms: killing it`);
        end(options.timeoutSignal ?? 'SIGTERM');
      }),
    );
  }
  if (options.log) {
    const started = Date.now();
    const notice = every(SLOW_NOTICE_MS, () =>
      options.log?.info(`still waiting for ${options.what ?? file} (running for ${Math.round((Date.now() - started) / 1000)} s)`),
    );
    timers.push(notice);
  }
  const onAbort = () => {
    aborted = true;
    end('SIGTERM');
  };
  options.abort?.addEventListener('abort', onAbort, { once: true });
  const termination = await child.exited;
  options.abort?.removeEventListener('abort', onAbort);
  for (const t of timers) t.cancel();
  return { code: shellExitCode(termination), termination, timedOut, aborted };
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone already
  }
}

/** `name` looked up like execvp does, in `pathValue`; undefined when absent or not executable. */
export function findProgram(name: string, pathValue: string | undefined): string | undefined {
  if (name.includes('/')) return isExecutableFile(name) ? name : undefined;
  for (const dir of (pathValue ?? '/usr/bin:/bin').split(':')) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}
