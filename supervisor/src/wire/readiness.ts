/**
 * s6's readiness notification, sending side (s6-svscan -d, s6-log -d): one newline on the descriptor the caller was
 * given, which is then closed so the reader also sees EOF. A notification that cannot be sent costs a warning only:
 * the program runs on, merely not known as ready.
 */
import * as fs from 'node:fs';
import type { Logger } from '../sys/logger';

export function notifyReady(fd: number, log: Logger): void {
  try {
    fs.writeSync(fd, '\n');
  } catch (err) {
    log.warn(`cannot notify readiness on fd ${fd}: ${(err as Error).message}`);
  } finally {
    try {
      fs.closeSync(fd);
    } catch {
      // not open in the first place: the write said so already
    }
  }
}
