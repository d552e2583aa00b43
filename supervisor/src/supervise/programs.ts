/**
 * Starting a service's two programs, `run` and `finish`, as s6-supervise starts them: in the service dir, `run` with
 * the service's name, `finish` with run's exit code, signal, name and process group; stdin/stdout from the scanner
 * (a log pipe), the notification pipe and the lock file at the fds the settings ask for. What to do with the outcome
 * is the supervisor's (supervisor.ts): this module only spawns and says what went wrong.
 */
import * as fs from 'node:fs';
import type { Socket } from 'node:net';
import { spawnService, type ServiceFd, type ServiceSpawned } from '../sys/service-spawn';
import { SpawnError } from '../sys/spawner';
import type { Termination } from '../sys/wait-status';
import { programProblem } from './check-program';
import type { DirHandle } from './dir-handle';
import { lockedCommand, openServiceLock } from './lock-fd';
import type { ServiceSettings } from './settings';

/** What the programs of one service need from their supervisor. */
export interface ProgramContext {
  handle: DirHandle;
  /** `foo`, or `foo/log` for a logger: the argument both programs get. */
  name: string;
  /** stdin and stdout of this spawn (a logger may appear after its service started); inherited when absent. */
  stdio: () => { stdin?: number; stdout?: number };
  /** A warning about the service, said once by the supervisor however often it recurs. */
  warn: (message: string) => void;
}

export type RunStarted =
  | { pid: number; exited: Promise<Termination>; readiness: Socket | undefined; settings: ServiceSettings }
  /** Not started: why, and whether it is because the service dir is gone. */
  | { problem: string; removed?: boolean };

/** Starts `run` (cwd: the service dir as it is now named). `settings` undefined: none could be read for want of fds. */
export async function startRun(context: ProgramContext, settings: ServiceSettings | undefined): Promise<RunStarted> {
  const { handle, name } = context;
  const cwd = handle.currentPath();
  if (cwd === undefined) return { problem: 'service directory was removed', removed: true };
  const problem = programProblem(cwd, 'run');
  if (problem) return { problem };
  if (!settings) return { problem: 'cannot read its settings files: out of file descriptors (EMFILE)' };
  let command: { file: string; args: string[]; argv0?: string } = { file: './run', args: [name] };
  let lock: { at: number; fd: number } | undefined;
  if (settings.lockFd !== undefined) {
    try {
      lock = { at: settings.lockFd, fd: openServiceLock(handle.base, context.warn) };
      command = lockedCommand(settings.lockFd, './run', [name]);
    } catch (err) {
      return { problem: `cannot open supervise/service-lock for lock-fd: ${(err as Error).message}` };
    }
  }
  let spawned: ServiceSpawned;
  try {
    spawned = await spawnService(command.file, command.args, {
      cwd,
      argv0: command.argv0,
      fds: serviceFds(context, settings.notificationFd, lock),
    });
  } catch (err) {
    if (!(err instanceof SpawnError)) throw err;
    return { problem: `cannot spawn run: ${err.message.replace(/^cannot run '[^']*': /, '')}` };
  } finally {
    if (lock) fs.closeSync(lock.fd); // the child has its own copy; we hold no lock on it (nothing is dropped)
  }
  const readiness = settings.notificationFd === undefined ? undefined : spawned.pipes.get(settings.notificationFd);
  return { pid: spawned.pid, exited: spawned.exited, readiness, settings };
}

/**
 * Starts `finish` with s6's arguments. Undefined when there is none to run: absent, gone with the service dir, or
 * unusable (said once through `warn`; the service then counts as down without it, as s6-supervise does).
 */
export async function startFinish(
  context: ProgramContext,
  [exitArg, signalArg, pgid]: [string, string, string],
): Promise<{ pid: number; exited: Promise<Termination> } | undefined> {
  const cwd = context.handle.currentPath();
  if (cwd === undefined || !fs.existsSync(`${cwd}/finish`)) return undefined;
  const problem = programProblem(cwd, 'finish');
  if (problem) {
    context.warn(`${problem}: service considered down without it`);
    return undefined;
  }
  try {
    const { pid, exited } = await spawnService('./finish', [exitArg, signalArg, context.name, pgid], { cwd, fds: serviceFds(context) });
    return { pid, exited };
  } catch (err) {
    if (!(err instanceof SpawnError)) throw err;
    context.warn(`cannot spawn finish: ${err.message}`);
    return undefined;
  }
}

/** stdin/stdout from the scanner, stderr inherited; the notification pipe and the lock file at their fds. */
function serviceFds(context: ProgramContext, notificationFd?: number, lock?: { at: number; fd: number }): ServiceFd[] {
  const { stdin, stdout } = context.stdio();
  const fds: ServiceFd[] = [stdin ?? 'inherit', stdout ?? 'inherit', 'inherit'];
  const place = (at: number, what: number | 'pipe') => {
    while (fds.length <= at) fds.push('ignore');
    fds[at] = what;
  };
  if (notificationFd !== undefined) place(notificationFd, 'pipe');
  if (lock) place(lock.at, lock.fd);
  return fds;
}
