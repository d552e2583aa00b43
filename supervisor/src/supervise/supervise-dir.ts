/**
 * s6-supervise's start-up on disk, in its order: the event/ fifodir and the supervise/ dir, a first status if there is
 * none, the lock (a second supervisor of the same service stops here), the control FIFO, stale listeners' FIFOs
 * removed, an empty death_tally. What the supervisor holds from then on is returned; nothing is left open on failure.
 */
import * as fs from 'node:fs';
import { writeDeathTally } from '../wire/death-tally';
import { cleanFifodir, makeFifodir } from '../wire/fifodir';
import { acquireLock } from '../wire/lock';
import { writeStatus, type SupervisorStatus } from '../wire/status';
import { openControlFifo, type ControlFifo } from './control-fifo';
import type { DirHandle } from './dir-handle';

export interface SuperviseDir {
  /** supervise/lock, held (fcntl) for as long as this fd is open. */
  lockFd: number;
  control: ControlFifo;
}

/** Throws AlreadyLockedError when another supervisor holds the lock, or the error of the step that failed. */
export function openSuperviseDir(handle: DirHandle, initial: SupervisorStatus, onControl: (data: Buffer) => void): SuperviseDir {
  const file = (...parts: string[]) => handle.file(...parts);
  makeFifodir(file('event'));
  makeSuperviseDir(file('supervise'));
  // A tool that sees the lock held reads the status next: make sure there is one (s6 has this window too).
  // Only when none exists, so that a supervisor already running (lock held) never has its status clobbered.
  if (!fs.existsSync(file('supervise', 'status'))) writeStatus(handle.base, initial);
  const lockFd = acquireLock(file('supervise', 'lock'), 0o644);
  let control: ControlFifo | undefined;
  try {
    control = openControlFifo(file('supervise', 'control'), onControl);
    cleanFifodir(file('event'));
    writeDeathTally(handle.base, []);
  } catch (err) {
    control?.close();
    fs.closeSync(lockFd); // drops the lock
    throw err;
  }
  return { lockFd, control };
}

/** mkdir supervise (0700); a dangling `supervise` symlink gets its target created, as s6-supervise does. */
function makeSuperviseDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if (fs.lstatSync(dir).isSymbolicLink() && !fs.existsSync(dir)) {
    const target = fs.readlinkSync(dir);
    fs.mkdirSync(target.startsWith('/') ? target : `${dir}/../${target}`, { mode: 0o700 });
  }
}
