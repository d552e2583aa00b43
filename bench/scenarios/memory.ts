/**
 * Item 7: memory of the supervision tree with 1, 10 and 100 services: RSS and PSS summed over s6-svscan and every
 * s6-supervise, against nuwa's one process. Plus (beyond the list) PID 1 of a tini-style init.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context, Scenario } from '../lib/context';
import { startPid1 } from '../lib/namespace';
import { memoryOf, peakRssOf, type Memory } from '../lib/proc';
import { failed, measured, notAvailable, type Outcome, type Recorder, type RowSpec } from '../lib/rows';
import { inits, supervisor, type Init } from '../lib/subjects';
import { startTree } from '../lib/tree';
import { sleep, until } from '../lib/wait';

const SIZES = [1, 10, 100] as const;

const treeMethod = (what: string) =>
  `${what} from /proc/PID/smaps_rollup, summed over the supervision tree: PID 1 and every s6-supervise (nuwa: its one ` +
  'process; the services are not counted). Taken 0.3 s after every service is ready, 5 readings 0.1 s apart (1 in ' +
  '--quick), before the kernel’s proactive reclaim (if any, see the machine notes) starts paging out; the nuwa and the ' +
  's6 tree of one size are up at the same time. RSS counts shared pages in full in every process; PSS divides each page among the ' +
  'processes that map it; USS counts only pages no other process maps. nuwa runs from a private copy of dist/nuwa, so ' +
  'as in a container no other process shares its pages (most of its RSS is the Node binary itself, file-backed); the ' +
  's6-supervise processes share their pages with each other, which is s6’s design.';

const rows: RowSpec[] = [
  ...SIZES.map((n): RowSpec => ({
    id: `memory-rss-${n}`,
    item: 7,
    title: `memory: RSS of the supervision tree, ${n} service${n > 1 ? 's' : ''}`,
    unit: 'MB',
    subject: 'nuwa svscan',
    peer: 's6-svscan + s6-supervise',
    method: treeMethod('RSS'),
    ...(n === 100 ? { goal: { text: '≤ 60 MB', max: 60, on: 'p50' as const } } : {}),
  })),
  ...SIZES.map((n): RowSpec => ({
    id: `memory-pss-${n}`,
    item: 7,
    title: `memory: PSS of the supervision tree, ${n} service${n > 1 ? 's' : ''}`,
    unit: 'MB',
    subject: 'nuwa svscan',
    peer: 's6-svscan + s6-supervise',
    method: treeMethod('PSS'),
  })),
  ...SIZES.map((n): RowSpec => ({
    id: `memory-uss-${n}`,
    item: 7,
    title: `memory: USS (private) of the supervision tree, ${n} service${n > 1 ? 's' : ''}`,
    unit: 'MB',
    subject: 'nuwa svscan',
    peer: 's6-svscan + s6-supervise',
    method: treeMethod('USS (Private_Clean + Private_Dirty)'),
  })),
  ...SIZES.map((n): RowSpec => ({
    id: `memory-peak-${n}`,
    item: 7,
    title: `memory: peak RSS of the supervision tree, ${n} service${n > 1 ? 's' : ''}`,
    unit: 'MB',
    subject: 'nuwa svscan',
    peer: 's6-svscan + s6-supervise',
    method:
      'VmHWM (the high-water mark of RSS, /proc/PID/status) summed over the tree, read with the readings above: the most ' +
      'memory each process has held at once since it started, start-up included; reclaim cannot lower it.',
  })),
  {
    id: 'memory-init-rss',
    item: 0,
    title: 'memory: RSS of PID 1 running one main program',
    unit: 'MB',
    subject: 'nuwa init',
    peer: 'tini',
    method: 'RSS of PID 1 from /proc/PID/smaps_rollup while its main program (the group probe with 10 children) runs.',
  },
];

interface Reading extends Memory {
  /** kB, summed VmHWM */
  peak: number;
}

function sum(pids: number[]): Reading {
  return pids
    .map((pid): Reading => ({ ...memoryOf(pid), peak: peakRssOf(pid) }))
    .reduce((a, b) => ({ rss: a.rss + b.rss, pss: a.pss + b.pss, uss: a.uss + b.uss, peak: a.peak + b.peak }), {
      rss: 0,
      pss: 0,
      uss: 0,
      peak: 0,
    });
}

export async function readings(ctx: Context, pids: () => number[]): Promise<Reading[]> {
  await sleep(300);
  const out: Reading[] = [];
  for (let k = 0; k < ctx.n(1, 5); k++) {
    if (k > 0) await sleep(100);
    out.push(sum(pids()));
  }
  return out;
}

let serial = 0;

async function initRss(ctx: Context, init: Init): Promise<Outcome> {
  if (init.lacks) return notAvailable(init.lacks);
  try {
    const ready = path.join(ctx.scratch, `memory-group-${++serial}`);
    const pid1 = await startPid1(ctx.scratch, `${init.label} memory`, init.command([ctx.probes.group, '10', ready]));
    try {
      await until(`${init.label}'s main program`, () => fs.existsSync(ready), 10_000);
      return measured((await readings(ctx, () => [pid1.hostPid])).map((m) => m.rss / 1024));
    } finally {
      await pid1.kill();
    }
  } catch (err) {
    return failed(err);
  }
}

export const memoryScenario: Scenario = {
  name: 'memory',
  fullSeconds: 25,
  rows,
  async run(ctx: Context, rec: Recorder) {
    // Memory does not depend on who else is busy: both trees of a size are up at the same time.
    for (const n of SIZES) {
      ctx.progress(`${n} service(s)`);
      await Promise.all(
        (
          [
            ['peer', 's6'],
            ['nuwa', 'nuwa'],
          ] as const
        ).map(async ([side, kind]) => {
          const sup = supervisor(kind, ctx.nuwa);
          if (sup.lacks) {
            for (const m of ['rss', 'pss', 'uss', 'peak']) rec[side](`memory-${m}-${n}`, notAvailable(sup.lacks));
            return;
          }
          try {
            const tree = await startTree(ctx, sup, n);
            try {
              const got = await readings(ctx, () => tree.supervisorPids());
              rec[side](
                `memory-rss-${n}`,
                measured(
                  got.map((m) => m.rss / 1024),
                  `${tree.supervisorPids().length} process(es)`,
                ),
              );
              rec[side](`memory-pss-${n}`, measured(got.map((m) => m.pss / 1024)));
              rec[side](`memory-uss-${n}`, measured(got.map((m) => m.uss / 1024)));
              rec[side](`memory-peak-${n}`, measured(got.map((m) => m.peak / 1024)));
            } finally {
              await tree.stop();
            }
          } catch (err) {
            for (const m of ['rss', 'pss', 'uss', 'peak']) rec[side](`memory-${m}-${n}`, failed(err));
          }
        }),
      );
    }
    const { nuwa, tini } = inits(ctx.nuwa);
    const [ours, theirs] = await Promise.all([initRss(ctx, nuwa), initRss(ctx, tini)]);
    rec.nuwa('memory-init-rss', ours);
    rec.peer('memory-init-rss', theirs);
  },
};
