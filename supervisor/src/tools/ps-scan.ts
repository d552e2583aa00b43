/**
 * s6-ps's view of /proc: one record per process (from /proc/PID/stat, its owner, cmdline, environ, wchan), and the
 * two display orders (by pid, or as a tree). Files a process forbids us to read stay undefined: s6-ps prints `*`.
 */
import * as fs from 'node:fs';

export interface ProcInfo {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  ttyNr: number;
  tpgid: number;
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
  prio: number;
  nice: number;
  threads: number;
  /** Clock ticks after boot. */
  start: number;
  vsize: number;
  /** Pages. */
  rss: number;
  rsslim: number;
  cpu: number;
  rtprio: number;
  policy: number;
  uid: number;
  gid: number;
  /** NUL-separated, trailing NULs removed; '' for kernel threads and zombies. */
  cmdline?: string;
  environ?: string;
  wchan?: string;
  /** Depth in the -H tree (0 for the children of the sentinel process 0). */
  height: number;
}

function readOptional(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch {
    return undefined;
  }
}

/** Parses /proc/PID/stat: the comm sits between the first '(' and the last ')' (it may hold both). */
export function parseStat(pid: number, text: string, uid: number, gid: number): ProcInfo {
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const f = text.slice(close + 2).split(' ');
  const n = (i: number): number => Number(f[i] ?? 0);
  return {
    pid,
    comm,
    state: f[0] ?? '?',
    ppid: n(1),
    pgrp: n(2),
    session: n(3),
    ttyNr: n(4),
    tpgid: n(5),
    utime: n(11),
    stime: n(12),
    cutime: n(13),
    cstime: n(14),
    prio: n(15),
    nice: n(16),
    threads: n(17),
    start: n(19),
    vsize: n(20),
    rss: n(21),
    rsslim: n(22),
    cpu: n(36),
    rtprio: n(37),
    policy: n(38),
    uid,
    gid,
    height: 0,
  };
}

export interface ScanWants {
  args: boolean;
  env: boolean;
  wchan: boolean;
}

/** Every process in /proc; one that exits while we read it is left out, as s6-ps does. */
export function scanProc(wants: ScanWants): ProcInfo[] {
  const procs: ProcInfo[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const dir = `/proc/${name}`;
    let info: ProcInfo;
    try {
      const st = fs.statSync(dir);
      info = parseStat(Number(name), fs.readFileSync(`${dir}/stat`, 'latin1'), st.uid, st.gid);
    } catch {
      continue;
    }
    if (wants.args) {
      const cmdline = readOptional(`${dir}/cmdline`);
      if (cmdline === undefined) continue;
      info.cmdline = cmdline.replace(/\0+$/, '');
    }
    if (wants.env) info.environ = readOptional(`${dir}/environ`);
    if (wants.wchan) info.wchan = readOptional(`${dir}/wchan`);
    procs.push(info);
  }
  return procs.sort((a, b) => a.pid - b.pid);
}

/**
 * The -H order: a depth-first walk from the sentinel process 0, children by increasing pid, except that the kernel's
 * threads (kthreadd, pid 2, and its children) come first, as the s6-ps page says. A process whose parent is not in
 * the list (outside our pid namespace) hangs from the sentinel.
 */
export function treeOrder(procs: ProcInfo[]): ProcInfo[] {
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const children = new Map<number, ProcInfo[]>();
  for (const p of procs) {
    const parent = p.ppid !== p.pid && byPid.has(p.ppid) ? p.ppid : 0;
    const list = children.get(parent) ?? [];
    list.push(p);
    children.set(parent, list);
  }
  const top = children.get(0) ?? [];
  top.sort((a, b) => (a.pid === 2 ? -1 : b.pid === 2 ? 1 : a.pid - b.pid));
  const ordered: ProcInfo[] = [];
  const stack: Array<[ProcInfo, number]> = top.reverse().map((p) => [p, 0]);
  while (stack.length > 0) {
    const [p, height] = stack.pop() as [ProcInfo, number];
    p.height = height;
    ordered.push(p);
    const kids = children.get(p.pid) ?? [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i] as ProcInfo, height + 1]);
  }
  return ordered;
}
