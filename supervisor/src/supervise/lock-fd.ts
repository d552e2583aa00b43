/**
 * lock-fd (s6 2.11+): `run` starts holding an fcntl write lock on supervise/service-lock, on fd N, so that a second
 * instance of the service (say, an old one still shutting down in another supervisor) is excluded. A lock belongs to
 * a process and survives exec(), so it must be taken by the service's own process: the supervisor starts
 * `nuwa supervise-lockfd N ./run NAME` with service-lock open on fd N; that helper takes the lock — waiting while
 * another process holds it, as s6's child does — and execs run, keeping its pid and the fd.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HelpRequest, UsageError } from '../cli/errors';
import { native } from '../sys/native';
import { appletCommand } from '../sys/self';

export const LOCKFD_APPLET = 'supervise-lockfd';

/**
 * Opens supervise/service-lock for the child (the caller passes the fd at position N and then closes it).
 * `warn` gets s6's two warnings: a non-empty lock file (truncated), and a lock already held (the child will wait).
 */
export function openServiceLock(serviceDir: string, warn: (message: string) => void): number {
  const file = path.join(serviceDir, 'supervise', 'service-lock');
  const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
  if (fs.fstatSync(fd).size > 0) {
    warn('supervise/service-lock was not empty: truncated');
    fs.ftruncateSync(fd, 0);
  }
  // We hold no lock on this file ourselves, so opening and closing it here drops nothing (see wire/lock.ts).
  if (native().isLocked(fd))
    warn('another instance of the service is already running (supervise/service-lock is held): it will start once that one is gone');
  return fd;
}

/** The command that runs `program args…` once the lock on fd `n` is held. */
export function lockedCommand(n: number, program: string, args: string[]): { file: string; args: string[]; argv0: string } {
  return appletCommand(LOCKFD_APPLET, [String(n), program, ...args]);
}

/** `nuwa supervise-lockfd N PROG ARGS…` (internal): lock fd N for writing, waiting if needed, then exec PROG. */
export function main(argv: string[]): number {
  const [fdText, program, ...args] = argv;
  if (fdText === '--help') throw new HelpRequest(`usage: nuwa ${LOCKFD_APPLET} FD PROG [ARGS...] (started by the supervisor for lock-fd)`);
  if (fdText === undefined || !/^\d+$/.test(fdText) || program === undefined) {
    throw new UsageError(`usage: nuwa ${LOCKFD_APPLET} FD PROG [ARGS...] (started by the supervisor for lock-fd)`);
  }
  try {
    native().lockWait(Number(fdText), true);
  } catch (err) {
    process.stderr.write(`nuwa ${LOCKFD_APPLET}: cannot lock fd ${fdText}: ${(err as Error).message}\n`);
    return 111;
  }
  try {
    native().execvp([program, ...args]); // returns only by throwing
  } catch (err) {
    process.stderr.write(`nuwa ${LOCKFD_APPLET}: cannot exec ${program}: ${(err as Error).message}\n`);
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 127 : 126;
  }
  return 126;
}
