/**
 * supervise/death_tally: 14-byte records, oldest first — tain of the death, exit code (128+n when killed by signal n),
 * signal number (0 when it exited). Rewritten atomically on every death; truncated when the supervisor starts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packTain, TAIN_SIZE, unpackTain, type Tain } from './tai64n';
import type { Termination } from '../sys/wait-status';

export const DEATH_RECORD_SIZE = TAIN_SIZE + 2;
/** s6's S6_MAX_DEATH_TALLY. */
export const MAX_DEATH_TALLY = 4096;

export interface Death {
  at: Tain;
  exitCode: number;
  signal: number;
}

export function deathOf(at: Tain, t: Termination): Death {
  return t.signal !== null
    ? { at, exitCode: (128 + t.signal) & 0xff, signal: t.signal }
    : { at, exitCode: (t.code ?? 0) & 0xff, signal: 0 };
}

export function packDeaths(deaths: readonly Death[]): Buffer {
  const buf = Buffer.alloc(deaths.length * DEATH_RECORD_SIZE);
  deaths.forEach((d, i) => {
    const off = i * DEATH_RECORD_SIZE;
    packTain(d.at, buf, off);
    buf.writeUInt8(d.exitCode, off + TAIN_SIZE);
    buf.writeUInt8(d.signal, off + TAIN_SIZE + 1);
  });
  return buf;
}

export function unpackDeaths(buf: Buffer): Death[] {
  if (buf.length % DEATH_RECORD_SIZE !== 0) return []; // s6 treats a torn file as empty
  const deaths: Death[] = [];
  for (let off = 0; off < buf.length; off += DEATH_RECORD_SIZE) {
    deaths.push({ at: unpackTain(buf, off), exitCode: buf.readUInt8(off + TAIN_SIZE), signal: buf.readUInt8(off + TAIN_SIZE + 1) });
  }
  return deaths;
}

export function deathTallyPath(serviceDir: string): string {
  return path.join(serviceDir, 'supervise', 'death_tally');
}

export function writeDeathTally(serviceDir: string, deaths: readonly Death[]): void {
  const file = deathTallyPath(serviceDir);
  fs.writeFileSync(`${file}.new`, packDeaths(deaths), { mode: 0o644 });
  fs.renameSync(`${file}.new`, file);
}

export function readDeathTally(serviceDir: string): Death[] {
  try {
    return unpackDeaths(fs.readFileSync(deathTallyPath(serviceDir)));
  } catch {
    return [];
  }
}
