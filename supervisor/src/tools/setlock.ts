/**
 * `s6-setlock [-r | -w] [-n | -N | -t MS] LOCKFILE PROG…`: takes an fcntl lock on LOCKFILE (created if needed; -r a
 * shared lock, -w an exclusive one, the default), then execs PROG holding it: the lock lasts as long as PROG. -N waits
 * for it (the default), -n fails at once if it is held (exit 1), -t waits at most MS ms (exit 1 on timeout).
 */
import * as fs from 'node:fs';
import { SystemError, UsageError, reason } from '../cli/errors';
import { getopt, scanUint } from '../cli/getopt';
import { execInto } from '../sys/exec';
import { native } from '../sys/native';
import { sleep } from '../sys/timer';

const USAGE = 's6-setlock [ -r | -w ] [ -n | -N | -t timeout ] lockfile prog...';

/** LOCKFILE open on an fd that survives exec (Node opens with O_CLOEXEC; dup2 onto it clears the flag). */
function openInherited(file: string, shared: boolean): number {
  let fd: number;
  try {
    fd = fs.openSync(file, shared ? fs.constants.O_RDONLY | fs.constants.O_CREAT : fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o644);
  } catch (err) {
    throw new SystemError(`unable to open ${file} for ${shared ? 'reading' : 'writing'}: ${reason(err)}`);
  }
  // No lock is held yet, so closing the spare copy releases nothing.
  const spare = native().dupCloexec(fd);
  native().dup2(spare, fd);
  fs.closeSync(spare);
  return fd;
}

/** Tries the lock until `ms` have passed: s6's s6lockd helper does this blocking in a child; here, a short back-off. */
async function lockWithin(fd: number, exclusive: boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (let pause = 5; ; pause = Math.min(pause * 2, 200)) {
    if (native().lock(fd, exclusive)) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await sleep(Math.min(pause, left));
  }
}

function usage(): never {
  throw new UsageError(`usage: ${USAGE}`);
}

export async function main(argv: string[]): Promise<number> {
  const parsed = getopt(argv, 'rwnNt:', USAGE, {});
  let shared = false;
  let wait: 'block' | 'none' | number = 'block';
  for (const [flag, value] of parsed.options) {
    if (flag === 'r' || flag === 'w') shared = flag === 'r';
    else if (flag === 'n') wait = 'none';
    else if (flag === 'N') wait = 'block';
    else wait = scanUint(value as string) ?? usage();
  }
  const [file, ...prog] = parsed.operands;
  if (file === undefined || prog.length === 0) throw new UsageError(`usage: ${USAGE}`);
  const fd = openInherited(file, shared);
  if (wait === 'block') native().lockWait(fd, !shared);
  else if (wait === 'none' ? !native().lock(fd, !shared) : !(await lockWithin(fd, !shared, wait))) {
    const why = wait === 'none' ? `unable to lock ${file}: Device or resource busy` : 'unable to acquire lock: Connection timed out';
    process.stderr.write(`s6-setlock: fatal: ${why}\n`);
    return 1;
  }
  return execInto('s6-setlock', prog, process.env);
}
