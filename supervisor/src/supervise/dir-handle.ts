/**
 * A service directory held open, standing in for s6-supervise's chdir(): files are reached through
 * /proc/self/fd/N/…, so a renamed directory keeps its supervisor (s6 identifies services by dev/ino, not by name),
 * and a deleted one can never be confused with a new directory created under the same name.
 * Without /proc (unusual) the plain path is used.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export class DirHandle {
  private readonly fd: number | undefined;
  private closed = false;
  /** Base for file operations: /proc/self/fd/N, or the path. */
  readonly base: string;

  constructor(readonly path: string) {
    let fd: number | undefined;
    try {
      fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOTDIR' || (err as NodeJS.ErrnoException).code === 'ENOENT') throw err;
      fd = undefined;
    }
    const viaProc = fd !== undefined ? `/proc/self/fd/${fd}` : undefined;
    this.fd = viaProc !== undefined && fs.existsSync(viaProc) ? fd : undefined;
    if (this.fd === undefined && fd !== undefined) fs.closeSync(fd);
    this.base = this.fd !== undefined ? `/proc/self/fd/${this.fd}` : path;
  }

  file(...parts: string[]): string {
    return path.join(this.base, ...parts);
  }

  /**
   * `text` (an error message, a warning) as the user may read it: /proc/self/fd/N, which means nothing to anyone and
   * changes from one attempt to the next, becomes the service directory's path.
   */
  shown(text: string): string {
    if (this.fd === undefined) return text;
    const dir = this.closed ? this.path : (this.currentPath() ?? this.path); // a closed fd's number may be another file's now
    return text.replace(new RegExp(`/proc/self/fd/${this.fd}(?![0-9])`, 'g'), dir);
  }

  /** Where the directory is now (after a rename), or undefined when it was deleted. */
  currentPath(): string | undefined {
    if (this.fd === undefined) return fs.existsSync(this.path) ? this.path : undefined;
    try {
      const target = fs.readlinkSync(this.base);
      return target.endsWith(' (deleted)') ? undefined : target;
    } catch {
      return undefined;
    }
  }

  close(): void {
    this.closed = true;
    if (this.fd !== undefined) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already closed
      }
    }
  }
}
