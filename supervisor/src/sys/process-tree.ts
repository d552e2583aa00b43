/** Our descendants, read from /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN). */
import * as fs from 'node:fs';

/** Direct children of `pid`, zombies included. Empty when the process is gone. */
export function childrenOf(pid: number | 'self'): number[] {
  const pids: number[] = [];
  let tasks: string[];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return pids;
  }
  for (const tid of tasks) {
    let text: string;
    try {
      text = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1');
    } catch {
      continue; // the thread exited while we read
    }
    for (const field of text.split(' ')) {
      const child = Number.parseInt(field, 10);
      if (child > 0) pids.push(child);
    }
  }
  return pids;
}

/** Every descendant of `pid` (default: this process), parents before children. */
export function descendants(pid: number | 'self' = 'self'): number[] {
  const seen: number[] = [];
  const queue = childrenOf(pid);
  while (queue.length > 0) {
    const next = queue.shift() as number;
    seen.push(next);
    queue.push(...childrenOf(next));
  }
  return seen;
}

/** Whether `pid` is a zombie (exited, not yet reaped). */
export function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

/** Sends `signal` to every live descendant; returns how many were signalled. */
export function signalDescendants(signal: NodeJS.Signals): number {
  let count = 0;
  for (const pid of descendants()) {
    if (isZombie(pid)) continue;
    try {
      process.kill(pid, signal);
      count++;
    } catch {
      // already gone
    }
  }
  return count;
}
