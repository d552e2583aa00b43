/**
 * How a supervisor starts a service's run and finish: the hot path of every restart. Natively by default
 * (native/spawn.c: clone(CLONE_VM | CLONE_VFORK) + exec, about half the cost of child_process's fork of the whole
 * process), the pid then owned by the reaper; through child_process (sys/spawner.ts) when the environment nuwa was
 * started with has NUWA_SPAWN=libuv, as a way out and for comparison. Either way the child gets the same things: a new
 * session, stdio and extra fds as asked, signals unblocked at their defaults, the start limits, the same 126/127 errors.
 */
import * as fs from 'node:fs';
import { Socket } from 'node:net';
import { native } from './native';
import { reaper } from './reaper';
import { spawn, spawnError } from './spawner';
import { restoreStartLimits } from './start-limits';
import type { Termination } from './wait-status';

/** The child's fd i: one of ours, our own fd i ('inherit'), /dev/null for 0-2 and closed above ('ignore'), or a pipe. */
export type ServiceFd = number | 'inherit' | 'ignore' | 'pipe';

export interface ServiceSpawnOptions {
  cwd: string;
  /** argv[0] when it must differ from `file`. */
  argv0?: string;
  fds: ServiceFd[];
}

export interface ServiceSpawned {
  pid: number;
  exited: Promise<Termination>;
  /** Our read end of each 'pipe' fd, by the child's fd number. */
  pipes: Map<number, Socket>;
}

/** Read once: the choice holds for the life of the process. */
const VIA_LIBUV = process.env.NUWA_SPAWN === 'libuv';

/** Starts `file` in a new session. Rejects with a SpawnError (126/127 and a shell's reason) when it cannot be run. */
export async function spawnService(file: string, args: readonly string[], options: ServiceSpawnOptions): Promise<ServiceSpawned> {
  return VIA_LIBUV ? viaLibuv(file, args, options) : natively(file, args, options);
}

async function viaLibuv(file: string, args: readonly string[], options: ServiceSpawnOptions): Promise<ServiceSpawned> {
  // Node's 'ignore' is /dev/null for 0-2 and closed above, as here
  const spawned = await spawn(file, args, { cwd: options.cwd, detached: true, argv0: options.argv0, stdio: options.fds });
  const pipes = new Map<number, Socket>();
  options.fds.forEach((fd, at) => {
    const end = spawned.child.stdio[at];
    if (fd === 'pipe' && end instanceof Socket) pipes.set(at, end);
  });
  return { pid: spawned.pid, exited: spawned.exited, pipes };
}

function natively(file: string, args: readonly string[], options: ServiceSpawnOptions): Promise<ServiceSpawned> {
  restoreStartLimits(); // nuwa's own soft limit, once (the child restores its own in any case)
  const opened: number[] = []; // ours to close once the child has its copies
  const pipeEnds = new Map<number, number>();
  try {
    const fds = options.fds.map((fd, at) => {
      if (typeof fd === 'number') return fd;
      if (fd === 'inherit') return at;
      if (fd === 'ignore') return at > 2 ? -1 : remember(opened, fs.openSync('/dev/null', at === 0 ? 'r' : 'w'));
      const [readEnd, writeEnd] = native().pipe(); // both close-on-exec: the child's copy is made by dup2
      pipeEnds.set(at, readEnd);
      return remember(opened, writeEnd);
    });
    let pid: number;
    try {
      pid = native().spawn(file, [options.argv0 ?? file, ...args], null, options.cwd, fds, true);
    } catch (err) {
      for (const readEnd of pipeEnds.values()) fs.closeSync(readEnd);
      return Promise.reject(spawnError(file, err as NodeJS.ErrnoException));
    }
    const exited = reaper.adopt(pid);
    const pipes = new Map([...pipeEnds].map(([at, fd]) => [at, new Socket({ fd, readable: true, writable: false })]));
    return Promise.resolve({ pid, exited, pipes });
  } finally {
    for (const fd of opened) fs.closeSync(fd);
  }
}

function remember(list: number[], fd: number): number {
  list.push(fd);
  return fd;
}
