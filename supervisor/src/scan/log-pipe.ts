/**
 * The pipe between a service's stdout and its logger's stdin. The scanner creates and holds both ends (as s6-svscan
 * does), so a restart of either side loses nothing: lines written while the logger restarts wait in the pipe, and the
 * logger never sees EOF because of a service restart. Both ends are close-on-exec; a child gets one end only as its
 * stdin or stdout.
 */
import * as fs from 'node:fs';
import { native } from '../sys/native';

export class LogPipe {
  private readFd: number | undefined;
  private writeFd: number | undefined;

  constructor() {
    [this.readFd, this.writeFd] = native().pipe();
  }

  /** The logger's end (undefined once closed, so that a closed fd number is never handed to a child). */
  get readEnd(): number | undefined {
    return this.readFd;
  }

  /** The service's end (undefined once closed: the service then writes to our stdout). */
  get writeEnd(): number | undefined {
    return this.writeFd;
  }

  /** Drops our write end: once the service's processes are gone too, the logger reads EOF and exits on its own. */
  closeWriteEnd(): void {
    if (this.writeFd === undefined) return;
    fs.closeSync(this.writeFd);
    this.writeFd = undefined;
  }

  close(): void {
    this.closeWriteEnd();
    if (this.readFd === undefined) return;
    fs.closeSync(this.readFd);
    this.readFd = undefined;
  }
}
