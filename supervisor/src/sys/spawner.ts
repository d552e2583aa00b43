/**
 * The only place nuwa starts processes. Every child is claimed by the reaper before any reaper pass can run
 * (spawn() returns the pid synchronously), and released once libuv has delivered its exit.
 */
import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { reaper } from './reaper';
import { restoreStartLimits } from './start-limits';
import { fromNodeExit, type Termination } from './wait-status';

export interface Spawned {
  child: ChildProcess;
  pid: number;
  /** Resolves once the process has exited and libuv has reaped it. */
  exited: Promise<Termination>;
}

/** Why a program could not be started, in a shell's words and with a shell's exit code. */
export class SpawnError extends Error {
  constructor(
    readonly file: string,
    readonly code: string,
    readonly exitCode: number,
    reason: string,
  ) {
    super(`cannot run '${file}': ${reason}`);
  }
}

const REASONS: Record<string, [number, string]> = {
  ENOENT: [127, 'not found'],
  EACCES: [126, 'permission denied (is it executable?)'],
  ENOEXEC: [126, 'exec format error (no shebang, or not a program for this machine)'],
  ENOTDIR: [127, 'not found (a path component is not a directory)'],
  E2BIG: [126, 'argument list too long'],
  // Not the program's fault: nuwa's (or the system's) resources ran out, a temporary failure (s6's 111).
  EMFILE: [111, 'out of file descriptors (EMFILE: the open-files limit, ulimit -n, is reached)'],
  ENFILE: [111, "out of file descriptors (ENFILE: the system's file table is full)"],
  EAGAIN: [111, "cannot create a process (EAGAIN: the process limit, ulimit -u or the container's pids limit, is reached)"],
  ENOMEM: [111, 'out of memory (ENOMEM)'],
};

export function spawnError(file: string, err: NodeJS.ErrnoException): SpawnError {
  const [exitCode, reason] = REASONS[err.code ?? ''] ?? [126, err.message];
  return new SpawnError(file, err.code ?? 'EUNKNOWN', exitCode, reason);
}

/**
 * Starts `file`. Rejects with a SpawnError when the exec fails: libuv reports that through 'error', on the next tick.
 * The reaper claim happens synchronously, before any await, so no reaper pass can ever see the pid unclaimed.
 */
export async function spawn(file: string, args: readonly string[], options: SpawnOptions = {}): Promise<Spawned> {
  restoreStartLimits(); // once: children inherit the limits nuwa was started with, not Node's raised ones
  let child: ChildProcess;
  try {
    child = nodeSpawn(file, args, options);
  } catch (err) {
    throw spawnError(file, err as NodeJS.ErrnoException); // ENOEXEC and friends are thrown synchronously by Node
  }
  const pid = child.pid;
  if (pid === undefined) {
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => child.once('error', resolve));
    throw spawnError(file, err);
  }
  reaper.claim(pid);
  const exited = new Promise<Termination>((resolve) => {
    child.once('exit', (code, signal) => {
      reaper.release(pid);
      resolve(fromNodeExit(code, signal));
    });
  });
  child.on('error', () => undefined); // after a successful spawn, 'error' only reports a failed kill(): not fatal
  return { child, pid, exited };
}
