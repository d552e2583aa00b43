/**
 * supervise/lock (and .s6-svscan/lock): a POSIX record lock (fcntl), which is what s6-svok and s6-svstat test with
 * F_GETLK. flock() would be invisible to them.
 *
 * Subtle: POSIX record locks belong to the process and are dropped when it closes ANY descriptor of the file. So the
 * supervisor opens each lock file once and never again, and never calls isLocked() on a file it locked itself.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { native } from '../sys/native';

export class AlreadyLockedError extends Error {
  constructor(readonly file: string) {
    super(`${file} is locked: another supervisor is already running`);
  }
}

/** Opens (creating with `mode`) and write-locks `file`. The returned fd must stay open for as long as the lock. */
export function acquireLock(file: string, mode = 0o644): number {
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT, mode);
  let locked: boolean;
  try {
    locked = native().lock(fd, true);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  if (!locked) {
    fs.closeSync(fd);
    throw new AlreadyLockedError(file);
  }
  return fd;
}

/** True when some process holds the lock: for a service dir, "a supervisor is running" (s6_svc_ok). */
export function isLocked(file: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  try {
    return native().isLocked(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function isSupervised(serviceDir: string): boolean {
  return isLocked(path.join(serviceDir, 'supervise', 'lock'));
}
