/** File tests shared by the scanner, init, cron, the logger and the s6-overlay boot. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A regular file we may execute (what execvp would accept, short of the format checks in rc/executable.ts). */
export function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** A file's permission bits as chmod and ls write them: `0755`, `4755` (stat's st_mode holds the file type too). */
export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** A directory, or a symlink to one; false when absent or unreadable. */
export function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/**
 * `name` looked up as execvp looks it up: a name with a slash is taken as it is, anything else is searched in
 * `pathValue` (an empty entry meaning the current directory). undefined when nothing executable is found.
 */
export function findExecutable(name: string, pathValue = process.env.PATH ?? '/usr/bin:/bin'): string | undefined {
  if (name.includes('/')) return isExecutableFile(name) ? name : undefined;
  for (const dir of pathValue.split(':')) {
    const candidate = path.join(dir || '.', name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}
