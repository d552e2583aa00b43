/**
 * supervise/status: the 35-byte record s6 2.11/2.12 (and 2.14+) write, which Debian's s6-svstat, s6-svwait and
 * s6-svc read. Layout (big-endian): stamp tain(12) · readystamp tain(12) · pid u64 · wstat u16 · flags u8
 * (bit0 paused, bit1 finishing, bit2 wantup, bit3 ready). Written atomically: status.new, then rename.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packTain, TAIN_SIZE, unpackTain, type Tain } from './tai64n';

export const STATUS_SIZE = 35;

export interface SupervisorStatus {
  /** Time of the last up/down transition: spawn of run, or death of run. */
  stamp: Tain;
  /** Time of the last readiness notification (up), or of the end of finish (down). */
  readyStamp: Tain;
  /** run's pid when up; finish's pid while finishing; 0 when down. */
  pid: number;
  /** Raw wait status of run's last death (kept while up). */
  wstat: number;
  paused: boolean;
  finishing: boolean;
  wantUp: boolean;
  ready: boolean;
}

export function packStatus(s: SupervisorStatus): Buffer {
  const buf = Buffer.alloc(STATUS_SIZE);
  packTain(s.stamp, buf, 0);
  packTain(s.readyStamp, buf, TAIN_SIZE);
  buf.writeBigUInt64BE(BigInt(s.pid), 24);
  buf.writeUInt16BE(s.wstat & 0xffff, 32);
  buf.writeUInt8((s.paused ? 1 : 0) | (s.finishing ? 2 : 0) | (s.wantUp ? 4 : 0) | (s.ready ? 8 : 0), 34);
  return buf;
}

export function unpackStatus(buf: Buffer): SupervisorStatus {
  if (buf.length !== STATUS_SIZE) throw new Error(`status is ${buf.length} bytes, expected ${STATUS_SIZE}`);
  const flags = buf.readUInt8(34);
  return {
    stamp: unpackTain(buf, 0),
    readyStamp: unpackTain(buf, TAIN_SIZE),
    pid: Number(buf.readBigUInt64BE(24)),
    wstat: buf.readUInt16BE(32),
    paused: (flags & 1) !== 0,
    finishing: (flags & 2) !== 0,
    wantUp: (flags & 4) !== 0,
    ready: (flags & 8) !== 0,
  };
}

/** s6's definition: up = a run process exists (not the finish script). */
export function isUp(s: SupervisorStatus): boolean {
  return s.pid !== 0 && !s.finishing;
}

export function statusPath(serviceDir: string): string {
  return path.join(serviceDir, 'supervise', 'status');
}

export function writeStatus(serviceDir: string, s: SupervisorStatus): void {
  const file = statusPath(serviceDir);
  fs.writeFileSync(`${file}.new`, packStatus(s), { mode: 0o644 });
  fs.renameSync(`${file}.new`, file);
}

export function readStatus(serviceDir: string): SupervisorStatus {
  return unpackStatus(fs.readFileSync(statusPath(serviceDir)));
}
