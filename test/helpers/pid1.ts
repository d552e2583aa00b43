/** Runs `nuwa init …` as a real PID 1, in a new PID namespace (`unshare -p -f --mount-proc`). */
import { spawn, type ChildProcess } from 'node:child_process';
import { childrenOf } from '../../supervisor/src/sys/process-tree';
import { nuwaBinary, requireCommand, waitFor } from './index';

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Pid1Run {
  process: ChildProcess;
  /** nuwa's pid as seen from the host (it is 1 inside its namespace). */
  hostPid(): Promise<number>;
  finished: Promise<Finished>;
}

function collect(child: ChildProcess): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** `nuwa init ARGS` as PID 1 of a fresh PID namespace. */
export function runAsPid1(args: string[], env: NodeJS.ProcessEnv = {}): Pid1Run {
  requireCommand('unshare', 'util-linux');
  const child = spawn('unshare', ['-p', '-f', '--mount-proc', '--', nuwaBinary(), 'init', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return {
    process: child,
    hostPid: () => waitFor('nuwa to start as PID 1', () => childrenOf(child.pid as number)[0]),
    finished: collect(child),
  };
}

/** `nuwa init ARGS` as an ordinary process (a child subreaper, as `tini -s`). */
export function runAsSubreaper(args: string[], env: NodeJS.ProcessEnv = {}): { process: ChildProcess; finished: Promise<Finished> } {
  const child = spawn(nuwaBinary(), ['init', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return { process: child, finished: collect(child) };
}
