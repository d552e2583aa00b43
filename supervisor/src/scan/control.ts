/**
 * The scanner's control dir, `.s6-svscan/`, as s6-svscan makes it: the dir (0700), `lock` (0600, fcntl-locked: a
 * second scanner on the same dir refuses to start) and the `control` FIFO (0600) that s6-svscanctl writes letters to.
 *
 * Letters (s6-svscanctl): a scan · h scan and prune (stop the services whose directory is gone) · n prune (SIGHUP to
 * loggers) · N prune (everything gets its down signal) · t / i terminate · q quit · b abort · z reap.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openControlFifo, type ControlFifo } from '../supervise/control-fifo';
import { SCANNER_DIR } from '../wire/control';
import { acquireLock } from '../wire/lock';

export type ScanCommand = 'scan' | 'scan-prune' | 'prune' | 'prune-all' | 'terminate' | 'quit' | 'abort' | 'reap';

export const SCAN_LETTERS: Readonly<Record<string, ScanCommand>> = {
  a: 'scan',
  h: 'scan-prune',
  n: 'prune',
  N: 'prune-all',
  t: 'terminate',
  i: 'terminate',
  q: 'quit',
  b: 'abort',
  z: 'reap',
};

export interface ScanControl {
  close(): void;
}

/** Takes the scan dir's lock and listens on its control FIFO. Throws AlreadyLockedError when another scanner runs. */
export function openScanControl(
  scandir: string,
  onCommand: (command: ScanCommand) => void,
  onUnknown: (bytes: Buffer) => void,
): ScanControl {
  const dir = path.join(scandir, SCANNER_DIR);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lockFd = acquireLock(path.join(dir, 'lock'), 0o600);
  let fifo: ControlFifo;
  try {
    fifo = openControlFifo(path.join(dir, 'control'), (data) => {
      const unknown: number[] = [];
      for (const byte of data) {
        const command = SCAN_LETTERS[String.fromCharCode(byte)];
        if (command) onCommand(command);
        else unknown.push(byte);
      }
      if (unknown.length > 0) onUnknown(Buffer.from(unknown));
    });
  } catch (err) {
    fs.closeSync(lockFd);
    throw err;
  }
  return {
    close() {
      fifo.close();
      fs.closeSync(lockFd); // drops the lock
    },
  };
}
