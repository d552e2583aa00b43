/**
 * Reading a service directory's one-value files the way s6-supervise does: only the first line counts, numbers are
 * leading decimal digits, and the files are re-read at each start so edits apply without restarting anything.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** First line of `file` in `dir`, or undefined when it does not exist. */
export function readFirstLine(dir: string, file: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, file), 'latin1');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const nl = text.indexOf('\n');
  return nl === -1 ? text : text.slice(0, nl);
}

/**
 * A number setting. `text` is the number as the file writes it: a value too large for a double (1e+23, and beyond
 * 2^53 not even exact) is shown to the user as written, never as JavaScript prints the number.
 */
export type UintSetting = { kind: 'absent' } | { kind: 'value'; value: number; text: string } | { kind: 'invalid'; text: string };

/** skalibs' uint0_scan on the first line: leading digits, nothing else but whitespace. */
export function readUint(dir: string, file: string): UintSetting {
  const line = readFirstLine(dir, file);
  if (line === undefined) return { kind: 'absent' };
  const match = /^\s*(\d+)\s*$/.exec(line);
  return match ? { kind: 'value', value: Number(match[1]), text: match[1] as string } : { kind: 'invalid', text: line };
}

export function exists(dir: string, file: string): boolean {
  return fs.existsSync(path.join(dir, file));
}

/** s6's "normally up": no `down` file. */
export function isNormallyUp(serviceDir: string): boolean {
  return !exists(serviceDir, 'down');
}
