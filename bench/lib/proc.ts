/** What the benchmark reads from /proc about the processes it measures (host PIDs: the harness is outside). */
import * as fs from 'node:fs';
import { childrenOf, descendants as descendantsOf } from '../../supervisor/src/sys/process-tree';

export { childrenOf, descendantsOf };

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch {
    return undefined; // the process or thread exited while we looked
  }
}

/** The program a process runs (readlink of /proc/PID/exe, even if the file was replaced since), or undefined. */
export function exeOf(pid: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    return undefined;
  }
}

/** Map from PID as seen inside the namespace (last NSpid field) to PID on the host, for `root` and below. */
export function innerToHostPids(root: number): Map<number, number> {
  const map = new Map<number, number>();
  for (const pid of [root, ...descendantsOf(root)]) {
    const line = read(`/proc/${pid}/status`)
      ?.split('\n')
      .find((l) => l.startsWith('NSpid:'));
    const inner = Number(line?.trim().split(/\s+/).pop());
    if (Number.isInteger(inner) && inner > 0) map.set(inner, pid);
  }
  return map;
}

export interface Memory {
  /** kB */
  rss: number;
  /** kB */
  pss: number;
  /** kB: pages no other process maps (Private_Clean + Private_Dirty), "USS" */
  uss: number;
}

/** Peak RSS (VmHWM in /proc/PID/status, kB): unlike RSS it does not shrink when the kernel reclaims pages. */
export function peakRssOf(pid: number): number {
  const text = read(`/proc/${pid}/status`);
  if (text === undefined) throw new Error(`process ${pid} is gone`);
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(text)?.[1] ?? NaN);
}

/**
 * Anonymous RSS (RssAnon in /proc/PID/status, kB): heap, stacks, private data; not the program's file-backed pages.
 * With no swap the kernel cannot page it out, so it moves only with what the process allocates and frees.
 */
export function anonRssOf(pid: number): number {
  const text = read(`/proc/${pid}/status`);
  if (text === undefined) throw new Error(`process ${pid} is gone`);
  return Number(/^RssAnon:\s+(\d+) kB/m.exec(text)?.[1] ?? NaN);
}

/** RSS, PSS and USS from /proc/PID/smaps_rollup (kB). */
export function memoryOf(pid: number): Memory {
  const text = read(`/proc/${pid}/smaps_rollup`);
  if (text === undefined) throw new Error(`process ${pid} is gone`);
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: field('Rss'), pss: field('Pss'), uss: field('Private_Clean') + field('Private_Dirty') };
}

function tasksOf(pid: number): string[] {
  try {
    return fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
}

/**
 * Context switches of every thread of `pid` (voluntary + involuntary): each one is the thread going to sleep or
 * being preempted, i.e. one wake-up of that thread. Threads are summed: a Node process has several.
 */
export function contextSwitchesOf(pid: number): number {
  let total = 0;
  for (const tid of tasksOf(pid)) {
    const text = read(`/proc/${pid}/task/${tid}/status`) ?? '';
    for (const m of text.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)/gm)) total += Number(m[1]);
  }
  return total;
}

/** CPU time (ns) of every live thread of `pid`, from /proc/PID/task/TID/schedstat (first field: ns on a CPU). */
export function cpuNsOf(pid: number): number {
  let total = 0;
  for (const tid of tasksOf(pid)) {
    const first = read(`/proc/${pid}/task/${tid}/schedstat`)?.split(' ')[0];
    if (first !== undefined) total += Number(first);
  }
  return total;
}

/** Open file descriptors of `pid`. */
export function fdCountOf(pid: number): number {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

export function isAlive(pid: number): boolean {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === undefined) return false;
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}
