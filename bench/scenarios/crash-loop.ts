/**
 * Item 3: a service that exits 1 the moment it starts, left alone for 60 s: how many times is it started, and how
 * much CPU does its supervisor burn? s6 restarts it every second; nuwa backs off (1 s, 2 s, 4 s … 30 s).
 * Both trees run side by side (CPU time is the supervisors' own, not wall time, so they hardly disturb each other).
 */
import type { Context, Scenario } from '../lib/context';
import { cpuNsOf } from '../lib/proc';
import { failed, measured, notAvailable, type Recorder, type RowSpec } from '../lib/rows';
import { execsOf } from '../lib/scandir';
import { supervisor, type Supervisor } from '../lib/subjects';
import { startTree, type Tree } from '../lib/tree';
import { nowNs, sleep, until } from '../lib/wait';

const rows: RowSpec[] = [
  {
    id: 'crashloop-starts',
    item: 3,
    title: 'crash loop: starts of a service that exits at once',
    unit: 'starts',
    subject: 'nuwa svscan',
    peer: 's6-supervise',
    method:
      'The service exits 1 right after its exec stamp. Counted: exec stamps within the window, which opens at the first ' +
      'start (60 s; 3 s in --quick). The two trees run at the same time.',
  },
  {
    id: 'crashloop-cpu',
    item: 3,
    title: 'crash loop: supervisor CPU time over the window',
    unit: 'ms',
    subject: 'nuwa svscan',
    peer: 's6-svscan + s6-supervise',
    method:
      'Sum over the supervision tree (PID 1 and every s6-supervise; nuwa is one process) of the CPU time of all its threads ' +
      '(/proc/PID/task/*/schedstat), from the first start to the end of the window. Fork+exec of the service counts for the service.',
  },
];

interface Run {
  tree: Tree;
  firstNs: bigint;
  cpu0: number;
}

async function begin(ctx: Context, sup: Supervisor): Promise<Run> {
  const tree = await startTree(ctx, sup, 1, { mode: 'exit', notify: false });
  const service = tree.scandir.services[0] as string;
  try {
    const first = await until(`${sup.label} to start the service`, () => execsOf(service)[0], 10_000);
    const cpu0 = tree.supervisorPids().reduce((sum, pid) => sum + cpuNsOf(pid), 0);
    return { tree, firstNs: first.ns, cpu0 };
  } catch (err) {
    await tree.stop();
    throw err;
  }
}

export const crashLoopScenario: Scenario = {
  name: 'crash-loop',
  fullSeconds: 65,
  rows,
  async run(ctx: Context, rec: Recorder) {
    const windowNs = BigInt(ctx.n(3, 60)) * 1_000_000_000n;
    const sides = [
      ['peer', supervisor('s6', ctx.nuwa)],
      ['nuwa', supervisor('nuwa', ctx.nuwa)],
    ] as const;
    const runs = new Map<'nuwa' | 'peer', Run>();
    try {
      for (const [side, sup] of sides) {
        if (sup.lacks) {
          for (const row of rows) rec[side](row.id, notAvailable(sup.lacks));
          continue;
        }
        try {
          runs.set(side, await begin(ctx, sup));
        } catch (err) {
          for (const row of rows) rec[side](row.id, failed(err));
        }
      }
      if (runs.size === 0) return;
      ctx.progress(`crash loops running for ${Number(windowNs / 1_000_000_000n)} s`);
      // Each window closes windowNs after that tree's own first start.
      const cpuAtEnd = new Map<'nuwa' | 'peer', number>();
      await Promise.all(
        [...runs.entries()].map(async ([side, run]) => {
          const remaining = run.firstNs + windowNs - nowNs();
          if (remaining > 0n) await sleep(Number(remaining / 1_000_000n));
          cpuAtEnd.set(
            side,
            run.tree.supervisorPids().reduce((sum, pid) => sum + cpuNsOf(pid), 0),
          );
        }),
      );
      for (const [side, run] of runs) {
        const service = run.tree.scandir.services[0] as string;
        const starts = execsOf(service).filter((e) => e.ns >= run.firstNs && e.ns < run.firstNs + windowNs).length;
        rec[side]('crashloop-starts', measured([starts]));
        rec[side]('crashloop-cpu', measured([((cpuAtEnd.get(side) as number) - run.cpu0) / 1e6]));
      }
    } finally {
      await Promise.all([...runs.values()].map((r) => r.tree.stop()));
    }
  },
};
