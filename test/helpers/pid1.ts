/** Runs `nuwa init …` as a real PID 1, in a new PID namespace (`unshare -p -f --mount-proc`). */
import test from 'ava';
import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { childrenOf } from '../../supervisor/src/sys/process-tree';
import { killTree, nuwaBinary, requireCommand, waitFor } from './index';

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

const live = new Set<ChildProcess>();

/**
 * A test that fails half-way must not leave its nuwa behind: the processes it runs hold the test's pipes, an ava
 * worker with an open pipe never exits, and the whole run hangs until CI gives up. So after each file's tests,
 * whatever still runs is killed, with everything below it (declared here, at import, so every file that starts one
 * gets it). For a namespace, killing unshare would do (--kill-child); for a subreaper, its children would outlive it.
 */
test.after.always('kill what a failed test left running', () => {
  for (const child of live) killTree(child.pid as number);
});

/** Kills `child` and what it started after the file's tests, if it still runs then. */
export function track<T extends ChildProcess>(child: T): T {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/**
 * COMMAND as PID 1 of a fresh PID namespace (`unshare -p -f --mount-proc`), stdout and stderr piped to the test;
 * `env` is its whole environment. Killing the returned process (unshare) ends the whole namespace:
 * `--kill-child` kills PID 1 when unshare dies, even of SIGKILL, and the kernel then ends everything inside;
 * `setpriv --pdeathsig KILL` does the same if the ava worker itself dies.
 */
export function spawnInPidNamespace(
  command: string[],
  env: NodeJS.ProcessEnv = process.env,
): ChildProcessByStdio<null, Readable, Readable> {
  requireCommand('unshare', 'util-linux');
  requireCommand('setpriv', 'util-linux');
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', 'unshare', '-p', '-f', '--mount-proc', '--kill-child', '--', ...command], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return track(child);
}

/** `nuwa init ARGS` as PID 1 of a fresh PID namespace. */
export function runAsPid1(args: string[], env: NodeJS.ProcessEnv = {}): Pid1Run {
  const child = spawnInPidNamespace([nuwaBinary(), 'init', ...args], { ...process.env, ...env });
  return {
    process: child,
    hostPid: () => waitFor('nuwa to start as PID 1', () => childrenOf(child.pid as number)[0]),
    finished: collect(child),
  };
}

/** `nuwa init ARGS` as an ordinary process (a child subreaper, as `tini -s`); it dies with the test's worker. */
export function runAsSubreaper(args: string[], env: NodeJS.ProcessEnv = {}): { process: ChildProcess; finished: Promise<Finished> } {
  requireCommand('setpriv', 'util-linux');
  // setpriv execs nuwa: the pid is nuwa's
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', nuwaBinary(), 'init', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { process: track(child), finished: collect(child) };
}
