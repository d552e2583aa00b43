/**
 * A logdir's files: archiving `current` (or `previous`, `processed`) as `@<tai64n>.s|u`, trimming the archives, and
 * what a logger's start finds there.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatTain, now } from '../wire/tai64n';

const ARCHIVE = /^@[0-9a-f]{24}\.[su]$/;
/** The mode of a finished file: the user x bit says it ended cleanly. */
export const FINALIZED = 0o744;

/** Renames `dir/name` to a fresh `@<tai64n>.<suffix>` (an empty file is simply removed). */
export function archiveFile(dir: string, name: string, suffix: 's' | 'u'): void {
  const from = path.join(dir, name);
  const st = statOrUndefined(from);
  if (!st) return;
  if (st.size === 0) {
    fs.rmSync(from);
    return;
  }
  let stamp = now();
  while (fs.existsSync(path.join(dir, `${formatTain(stamp)}.${suffix}`))) stamp++; // two rotations in one tick
  fs.renameSync(from, path.join(dir, `${formatTain(stamp)}.${suffix}`));
}

/** Keeps at most `keep` archives and, when `maxTotal` is not 0, at most that many bytes of them: the oldest go first. */
export function trimArchives(dir: string, keep: number, maxTotal: number): void {
  const archives = fs
    .readdirSync(dir)
    .filter((name) => ARCHIVE.test(name))
    .sort();
  const sizes = archives.map((name) => statOrUndefined(path.join(dir, name))?.size ?? 0);
  let total = sizes.reduce((a, b) => a + b, 0);
  let count = archives.length;
  for (let i = 0; i < archives.length; i++) {
    if (count <= keep && (maxTotal === 0 || total <= maxTotal)) break;
    rmQuiet(path.join(dir, archives[i] as string));
    count--;
    total -= sizes[i] as number;
  }
}

export function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export function rmQuiet(file: string): void {
  fs.rmSync(file, { force: true });
}

export function renameQuiet(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

export function closeQuiet(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed
  }
}

/**
 * s6-log's start in `dir`: a `current` with the user x bit was finalized cleanly and is appended to (its size is
 * returned). Otherwise the previous logger died: a finished processor output is archived, a half-processed
 * `previous` and the unfinished `current` become `.u` archives, and undefined says a fresh `current` starts.
 */
export function recoverLogdir(dir: string): number | undefined {
  const file = (name: string) => path.join(dir, name);
  const st = statOrUndefined(file('current'));
  if (st && st.mode & 0o100) return st.size;
  const processed = statOrUndefined(file('processed'));
  if (processed && processed.mode & 0o100) {
    rmQuiet(file('previous'));
    renameQuiet(file('newstate'), file('state'));
    archiveFile(dir, 'processed', 's');
  } else {
    rmQuiet(file('processed'));
    rmQuiet(file('newstate'));
    archiveFile(dir, 'previous', 'u');
  }
  archiveFile(dir, 'current', 'u');
  if (!fs.existsSync(file('state'))) fs.writeFileSync(file('state'), '');
  return undefined;
}
