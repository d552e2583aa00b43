/**
 * A PID 1 in a fresh PID namespace, as in a container: `unshare -p -f --mount-proc` (so the namespace has its own
 * /proc, which nuwa's reaper reads), behind `setpriv --pdeathsig KILL` and `--kill-child` so nothing outlives the
 * harness (see cleanup.ts). Output goes to a log file in the scratch dir, quoted when something fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { killGroup, track } from './cleanup';
import { childrenOf } from './proc';
import { until } from './wait';

export interface Pid1 {
  /** The host's PID of the namespace's PID 1. */
  hostPid: number;
  /** PID 1's stdout, when asked for as a pipe. */
  stdout: Readable | null;
  /** Resolves when PID 1 has exited (unshare waits for it, then exits). */
  exited: Promise<void>;
  hasExited(): boolean;
  /** Kills the whole namespace and waits until it is gone. */
  kill(): Promise<void>;
  /** What PID 1 and its services wrote on stderr (and stdout unless piped), for error messages. */
  output(): string;
}

let serial = 0;

export async function startPid1(
  scratch: string,
  label: string,
  command: string[],
  options: { pipeStdout?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<Pid1> {
  const logDir = path.join(scratch, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `${String(++serial).padStart(3, '0')}-${label.replace(/[^\w.-]+/g, '_')}.log`);
  const log = fs.openSync(logFile, 'w');
  let child: ChildProcess;
  try {
    child = spawn('setpriv', ['--pdeathsig', 'KILL', 'unshare', '-p', '-f', '--mount-proc', '--kill-child', '--', ...command], {
      stdio: ['ignore', options.pipeStdout ? 'pipe' : log, log],
      detached: true,
      env: { ...process.env, ...options.env },
    });
  } finally {
    fs.closeSync(log);
  }
  track(child);
  let gone = false;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      gone = true;
      resolve();
    });
    child.once('error', () => {
      gone = true;
      resolve();
    });
  });
  const output = () => {
    try {
      return fs.readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const hostPid = await until(
    `${label} to start as PID 1`,
    () => {
      if (gone) throw new Error(`${label} exited at once: ${output().trim().slice(-500) || '(no output)'}`);
      return childrenOf(child.pid as number)[0];
    },
    10_000,
    2,
  );
  return {
    hostPid,
    stdout: child.stdout,
    exited,
    hasExited: () => gone,
    async kill() {
      killGroup(child);
      await exited;
    },
    output,
  };
}
