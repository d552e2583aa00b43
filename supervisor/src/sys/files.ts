/** File tests shared by the scanner, init, cron and the s6-overlay boot. */
import * as fs from 'node:fs';

/** A regular file we may execute (what execvp would accept, short of the format checks in rc/executable.ts). */
export function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** A directory, or a symlink to one; false when absent or unreadable. */
export function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
