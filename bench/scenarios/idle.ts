/**
 * Item 8: what an idle PID 1 costs. Two trees with 10 idle services each (s6-svscan, nuwa svscan) and, beyond the
 * list, two tini-style inits (nuwa init, tini), all idle side by side: each second, the context switches (wake-ups)
 * and CPU time of every thread of each PID 1, and of each whole supervision tree.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context, Scenario } from '../lib/context';
import { startPid1, type Pid1 } from '../lib/namespace';
import { contextSwitchesOf, cpuNsOf } from '../lib/proc';
import { failed, measured, notAvailable, type Recorder, type RowSpec } from '../lib/rows';
import { inits, supervisor } from '../lib/subjects';
import { startTree, type Tree } from '../lib/tree';
import { sleep, until } from '../lib/wait';

const SERVICES = 10;

const wakeMethod =
  'Every second, voluntary + involuntary context switches summed over every thread of the process(es) ' +
  '(/proc/PID/task/*/status); each is one sleep or preemption, i.e. one wake-up. Rate per 1-s window; the runs sit side ' +
  'by side, idle, after a rest of 15 s (1 s in --quick) once every service is ready. 30 windows (3 in --quick). The rest ' +
  'leaves most of start-up out (a Node process such as nuwa has a burst of ~50 wake-ups about 9 s after it starts, when ' +
  'V8 first tidies its heap); any later burst in the window is counted, as are the major page faults of touching memory ' +
  'the kernel paged out (see the machine notes).';

const rows: RowSpec[] = [
  {
    id: 'idle-wakeups-pid1',
    item: 8,
    title: `idle: wake-ups of PID 1 (${SERVICES} idle services)`,
    unit: '/s',
    subject: 'nuwa svscan',
    peer: 's6-svscan',
    method: wakeMethod,
    goal: { text: '≤ 1 /s (mean of the windows)', max: 1, on: 'mean' },
  },
  {
    id: 'idle-wakeups-tree',
    item: 8,
    title: `idle: wake-ups of the supervision tree (${SERVICES} services)`,
    unit: '/s',
    subject: 'nuwa svscan',
    peer: 's6-svscan + s6-supervise',
    method: `${wakeMethod} Tree = PID 1 and every s6-supervise (nuwa: one process).`,
  },
  {
    id: 'idle-cpu-tree',
    item: 8,
    title: `idle: CPU time of the supervision tree (${SERVICES} services)`,
    unit: 'µs/s',
    subject: 'nuwa svscan',
    peer: 's6-svscan + s6-supervise',
    method: 'CPU time of every thread (/proc/PID/task/*/schedstat, ns on a CPU) per 1-s window, same runs as above.',
  },
  {
    id: 'idle-wakeups-init',
    item: 0,
    title: 'idle: wake-ups of PID 1 running one main program',
    unit: '/s',
    subject: 'nuwa init',
    peer: 'tini',
    method: `${wakeMethod} The main program is the group probe (10 children waiting for a signal).`,
  },
];

interface Watched {
  row: string[];
  side: 'nuwa' | 'peer';
  pid1: number;
  tree: () => number[];
}

/** Counters of one watched run at one moment: context switches of PID 1 and of the tree, CPU ns of the tree. */
interface Reading {
  pid1: number;
  tree: number;
  cpu: number;
}

/** Per-window rates of one watched run: wake-ups/s of PID 1 and of the tree, CPU µs/s of the tree. */
interface Series {
  pid1: number[];
  tree: number[];
  cpu: number[];
}

/** What the start-up of the runs fills in: the runs to watch and how to stop each. */
interface Started {
  watched: Watched[];
  cleanups: Array<() => Promise<void>>;
}

let serial = 0;

/** The two supervision trees (s6-svscan, nuwa svscan), 10 idle services each. */
async function startTrees(ctx: Context, rec: Recorder, started: Started): Promise<void> {
  for (const [side, kind] of [
    ['peer', 's6'],
    ['nuwa', 'nuwa'],
  ] as const) {
    const sup = supervisor(kind, ctx.nuwa);
    const ids = ['idle-wakeups-pid1', 'idle-wakeups-tree', 'idle-cpu-tree'];
    if (sup.lacks) {
      for (const id of ids) rec[side](id, notAvailable(sup.lacks));
      continue;
    }
    try {
      const tree: Tree = await startTree(ctx, sup, SERVICES);
      started.cleanups.push(() => tree.stop());
      started.watched.push({ row: ids, side, pid1: tree.pid1.hostPid, tree: () => tree.supervisorPids() });
    } catch (err) {
      for (const id of ids) rec[side](id, failed(err));
    }
  }
}

/** The two tini-style inits (nuwa init, tini), each running the group probe as its main program. */
async function startInits(ctx: Context, rec: Recorder, started: Started): Promise<void> {
  const { nuwa, tini } = inits(ctx.nuwa);
  for (const [side, init] of [
    ['nuwa', nuwa],
    ['peer', tini],
  ] as const) {
    if (init.lacks) {
      rec[side]('idle-wakeups-init', notAvailable(init.lacks));
      continue;
    }
    try {
      const ready = path.join(ctx.scratch, `idle-group-${++serial}`);
      const pid1: Pid1 = await startPid1(ctx.scratch, `${init.label} idle`, init.command([ctx.probes.group, '10', ready]));
      started.cleanups.push(() => pid1.kill());
      await until(`${init.label}'s main program`, () => fs.existsSync(ready), 10_000);
      started.watched.push({ row: ['idle-wakeups-init'], side, pid1: pid1.hostPid, tree: () => [pid1.hostPid] });
    } catch (err) {
      rec[side]('idle-wakeups-init', failed(err));
    }
  }
}

function read(w: Watched): Reading {
  const tree = w.tree();
  return {
    pid1: contextSwitchesOf(w.pid1),
    tree: tree.reduce((s, pid) => s + contextSwitchesOf(pid), 0),
    cpu: tree.reduce((s, pid) => s + cpuNsOf(pid), 0),
  };
}

/** After the rest, `windows` 1-s windows of every watched run side by side: one Series per run, in order. */
async function watch(ctx: Context, watched: Watched[]): Promise<Series[]> {
  await sleep(ctx.quick ? 1000 : 15_000);
  const windows = ctx.n(3, 30);
  ctx.progress(`watching ${watched.length} idle PID 1s for ${windows} s`);
  const series: Series[] = watched.map(() => ({ pid1: [], tree: [], cpu: [] }));
  let last = watched.map(read);
  let lastAt = process.hrtime.bigint();
  for (let k = 0; k < windows; k++) {
    await sleep(1000);
    const now = watched.map(read);
    const at = process.hrtime.bigint();
    const seconds = Number(at - lastAt) / 1e9;
    watched.forEach((_, i) => {
      const [a, b, s] = [last[i], now[i], series[i]] as [Reading, Reading, Series];
      s.pid1.push((b.pid1 - a.pid1) / seconds);
      s.tree.push((b.tree - a.tree) / seconds);
      s.cpu.push((b.cpu - a.cpu) / 1e3 / seconds);
    });
    last = now;
    lastAt = at;
  }
  return series;
}

function mean(xs: number[]): string {
  return `mean ${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2)}/s over ${xs.length} windows`;
}

function record(rec: Recorder, watched: Watched[], series: Series[]): void {
  watched.forEach((w, i) => {
    const s = series[i] as Series;
    if (w.row.length === 1) {
      rec[w.side](w.row[0] as string, measured(s.pid1, mean(s.pid1)));
      return;
    }
    rec[w.side]('idle-wakeups-pid1', measured(s.pid1, mean(s.pid1)));
    rec[w.side]('idle-wakeups-tree', measured(s.tree));
    rec[w.side]('idle-cpu-tree', measured(s.cpu));
  });
}

export const idleScenario: Scenario = {
  name: 'idle',
  fullSeconds: 55,
  rows,
  async run(ctx: Context, rec: Recorder) {
    const started: Started = { watched: [], cleanups: [] };
    try {
      await startTrees(ctx, rec, started);
      await startInits(ctx, rec, started);
      record(rec, started.watched, await watch(ctx, started.watched));
    } finally {
      await Promise.all(started.cleanups.map((c) => c()));
    }
  },
};
