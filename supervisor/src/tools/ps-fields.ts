/**
 * s6-ps's fields: the -o name, the header, which side it is aligned on, and how one process shows in it. Times are
 * in clock ticks: Linux exports them in USER_HZ, 100 on every architecture nuwa ships for.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { ProcInfo } from './ps-scan';
import { formatTain, fromMilliseconds } from '../wire/tai64n';

const HZ = 100;
/** Linux's page size on x86-64 and arm64 (4 KiB pages), the unit of /proc/PID/stat's rss. */
const PAGE = 4096;

/** What every field may need besides the process itself, computed once. */
export interface PsContext {
  /** Boot time, in ms since the epoch. */
  bootMs: number;
  nowMs: number;
  users: Map<number, string>;
  groups: Map<number, string>;
}

export interface Field {
  header: string;
  right: boolean;
  show: (p: ProcInfo, c: PsContext) => string;
}

/** 1d02h03m04s, 03m04s, 04.56s: skalibs-style, hundredths only under a minute. */
export function formatTicks(ticks: number): string {
  const hundredths = Math.floor(((ticks % HZ) * 100) / HZ);
  let t = Math.floor(ticks / HZ);
  const secs = t % 60;
  t = Math.floor(t / 60);
  const mins = t % 60;
  t = Math.floor(t / 60);
  const hrs = t % 24;
  const days = Math.floor(t / 24);
  const two = (n: number): string => String(n).padStart(2, '0');
  let out = days ? `${days}d` : '';
  if (days || hrs) out += `${two(hrs)}h`;
  if (days || hrs || mins) out += `${two(mins)}m`;
  out += two(secs);
  if (!days && !hrs && !mins) out += `.${two(hundredths)}`;
  return `${out}s`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Today: 21:13:05; within the last months: Dec06 21:13; older: 2025-12-06 (local time). */
export function formatStart(atMs: number, nowMs: number): string {
  const at = new Date(atMs);
  const now = new Date(nowMs);
  const two = (n: number): string => String(n).padStart(2, '0');
  const hm = `${two(at.getHours())}:${two(at.getMinutes())}`;
  if (at.toDateString() === now.toDateString()) return `${hm}:${two(at.getSeconds())}`;
  const months = (now.getMonth() + 12 - at.getMonth()) % 12;
  if (at.getFullYear() === now.getFullYear() || (at.getFullYear() + 1 === now.getFullYear() && months < 9))
    return `${MONTHS[at.getMonth()]}${two(at.getDate())} ${hm}`;
  return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}`;
}

/** A controlling terminal's name from its device number: pts/N, ttyN, ttySN, or major:minor. */
export function ttyName(nr: number): string {
  if (nr === 0) return '-';
  const major = (nr >> 8) & 0xfff;
  const minor = (nr & 0xff) | ((nr >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return `pts/${(major - 136) * 256 + minor}`;
  if (major === 4) return minor < 64 ? `tty${minor}` : `ttyS${minor - 64}`;
  if (major === 5 && minor === 0) return 'tty';
  if (major === 5 && minor === 1) return 'console';
  return `${major}:${minor}`;
}

function percent(tenThousandths: number): string {
  const n = Math.floor(tenThousandths);
  return `${Math.floor(n / 100)}.${String(n % 100).padStart(2, '0')}`;
}

function state(p: ProcInfo): string {
  let s = p.state;
  if (p.pid === p.session) s += 's';
  if (p.threads > 1) s += 'l';
  if (p.tpgid > 0 && p.tpgid === p.pgrp) s += '+';
  if (p.nice) s += p.nice < 0 ? '<' : 'N';
  return s;
}

/** The command line with NULs as spaces; kernel threads show as (comm), zombies as `comm <defunct>`; -H indents. */
function args(p: ProcInfo): string {
  const indent = p.height ? `${' '.repeat(4 * p.height - 3)}\\_ ` : '';
  if (p.cmdline === undefined) return `${indent}*`;
  if (p.cmdline !== '') return indent + p.cmdline.replace(/\0/g, ' ');
  return indent + (p.state === 'Z' ? `${p.comm} <defunct>` : `(${p.comm})`);
}

function cpuShare(ticks: number, p: ProcInfo, c: PsContext): string {
  const alive = Math.max(1, Math.floor(((c.nowMs - c.bootMs) * HZ) / 1000) - p.start);
  return percent((10000 * ticks) / alive);
}

const startMs = (p: ProcInfo, c: PsContext): number => c.bootMs + (p.start * 1000) / HZ;
const POLICIES = ['NORMAL', 'FIFO', 'RR', 'BATCH', 'ISO', 'IDLE', 'UNKNOWN', 'UNKNOWN'];
const num = (header: string, get: (p: ProcInfo) => number): Field => ({ header, right: true, show: (p) => String(get(p)) });
const text = (header: string, show: Field['show']): Field => ({ header, right: false, show });

/** The -o names, in s6-ps's order. */
export const FIELDS: Record<string, Field> = {
  pid: num('PID', (p) => p.pid),
  comm: text('COMM', (p) => p.comm),
  s: text('STAT', state),
  ppid: num('PPID', (p) => p.ppid),
  pgrp: num('PGRP', (p) => p.pgrp),
  sess: num('SESSION', (p) => p.session),
  tty: text('TTY', (p) => ttyName(p.ttyNr)),
  tpgid: num('TPGID', (p) => p.tpgid),
  utime: text('UTIME', (p) => formatTicks(p.utime)),
  stime: text('STIME', (p) => formatTicks(p.stime)),
  cutime: text('CUTIME', (p) => formatTicks(p.utime + p.cutime)),
  cstime: text('CSTIME', (p) => formatTicks(p.stime + p.cstime)),
  prio: num('PRIO', (p) => p.prio),
  nice: num('NICE', (p) => p.nice),
  thcount: num('THREADS', (p) => p.threads),
  start: text('START', (p, c) => formatStart(startMs(p, c), c.nowMs)),
  vsize: num('VSZ', (p) => Math.floor(p.vsize / 1024)),
  rss: num('RSS', (p) => (p.rss * PAGE) / 1024),
  rsslimit: num('RSSLIM', (p) => Math.floor(p.rsslim / 1024)),
  psr: num('CPU', (p) => p.cpu),
  rtprio: num('RTPRIO', (p) => p.rtprio),
  policy: text('RTPOLICY', (p) => POLICIES[p.policy & 7] as string),
  user: text('USER', (p, c) => c.users.get(p.uid) ?? String(p.uid)),
  group: text('GROUP', (p, c) => c.groups.get(p.gid) ?? String(p.gid)),
  pmem: { header: '%MEM', right: true, show: (p) => percent((p.rss * PAGE * 10000) / os.totalmem()) },
  wchan: text('WCHAN', (p) => (p.wchan === undefined ? '*' : p.wchan === '0' || p.wchan === '' ? '-' : p.wchan)),
  args: text('COMMAND', args),
  env: text('ENVIRONMENT', (p) => (p.environ ? p.environ.replace(/\0/g, ' ') : '*')),
  pcpu: { header: '%CPU', right: true, show: (p, c) => cpuShare(p.utime + p.stime, p, c) },
  ttime: text('TTIME', (p) => formatTicks(p.utime + p.stime)),
  cttime: text('CTTIME', (p) => formatTicks(p.utime + p.stime + p.cutime + p.cstime)),
  tstart: text('TSTART', (p, c) => formatTain(fromMilliseconds(startMs(p, c)))),
  cpcpu: { header: 'C%CPU', right: true, show: (p, c) => cpuShare(p.utime + p.stime + p.cutime + p.cstime, p, c) },
};

/** Boot time from /proc/stat's btime line (seconds since the epoch). */
export function bootTimeMs(): number {
  const line = /^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'latin1'));
  return line ? Number(line[1]) * 1000 : 0;
}
