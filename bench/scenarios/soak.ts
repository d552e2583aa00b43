/**
 * Item 9: 10,000 crash-restarts of one service, and what they leave behind in the supervisor: RSS and open fds
 * before and after. Growth is reported as it is; a leak is a bug to fix, not a figure to hide.
 *
 * The service dies of SIGKILL right after its exec stamp. Neither supervisor restarts a service that keeps dying at
 * once without a delay (s6: 1 s; nuwa: back-off), so the listener answers each 'D' event with "u" on
 * supervise/control, which both treat as "start now": the same control path for both, 10,000 times.
 * Memory and fds are read with the tree at rest: the service's mode is switched to "stay up" and the loop runs until
 * an instance stays; afterwards it is switched back and that instance killed, which restarts the loop.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context, Scenario } from '../lib/context';
import { anonRssOf, fdCountOf, isAlive, memoryOf, peakRssOf } from '../lib/proc';
import { failed, measured, notAvailable, type Recorder, type RowSpec } from '../lib/rows';
import { supervisor, type Supervisor } from '../lib/subjects';
import { lastExec } from '../lib/scandir';
import { startTree, type Tree } from '../lib/tree';
import { nowNs, sleep, until } from '../lib/wait';

const method = (n: string, what: string) =>
  `${what} of the supervision tree (PID 1 and s6-supervise; nuwa: its one process) after ${n} crash-restarts minus before ` +
  'them (after a warm-up of 200 restarts, 20 in --quick). Both readings are taken at rest: the service is switched to ' +
  "stay up and read 1 s after its last start. Both trees run side by side; restarts are counted from the supervisor's " +
  "own 'u' events.";

const ANON =
  'Anonymous RSS (RssAnon: heap, stacks, private data, summed over the tree) is what a leak grows; unlike the whole ' +
  'RSS it does not move when the kernel pages out the program’s file-backed pages (proactive reclaim, see the machine ' +
  'notes; this machine has no swap). Whole-RSS and peak-RSS readings are in the notes.';

const rows = (n: string): RowSpec[] => [
  {
    id: 'soak-rss',
    item: 9,
    title: `soak: anonymous-RSS growth over ${n} crash-restarts (200 in --quick)`,
    unit: 'MB',
    subject: 'nuwa svscan',
    peer: 's6-svscan + s6-supervise',
    method: `${method(n, 'Anonymous RSS')} ${ANON}`,
  },
  {
    id: 'soak-rss-late',
    item: 9,
    title: 'soak: anonymous-RSS growth over the second half of them',
    unit: 'MB',
    subject: 'nuwa svscan',
    peer: 's6-svscan + s6-supervise',
    method:
      `${method(n, 'Anonymous RSS')} Here: the reading at the end minus one taken half-way, also at rest. A garbage-collected ` +
      'process sizes its heap during the first thousands of restarts; a leak keeps growing in the second half too.',
  },
  {
    id: 'soak-fds',
    item: 9,
    title: `soak: open-fd growth over ${n} crash-restarts (200 in --quick)`,
    unit: 'fds',
    subject: 'nuwa svscan',
    peer: 's6-svscan + s6-supervise',
    method: method(n, 'Open file descriptors (/proc/PID/fd)'),
  },
];

interface Snapshot {
  rssKB: number;
  peakKB: number;
  anonKB: number;
  fds: number;
}

const modeFile = (tree: Tree, i = 0) => path.join(tree.scandir.services[i] as string, 'data/mode');

/** Switches service `i` of `tree` to "stay up" and waits until an instance has stayed up for 1 s. */
export async function bringToRest(tree: Tree, i = 0): Promise<void> {
  fs.writeFileSync(modeFile(tree, i), 'ready\n');
  const service = tree.scandir.services[i] as string;
  await until(
    `${tree.sup.label}'s crash loop to come to rest`,
    () => {
      const last = lastExec(service);
      if (!last || nowNs() - last.ns < 1_000_000_000n) return false;
      try {
        return isAlive(tree.hostPid(last.pid));
      } catch {
        return false; // that instance is gone already: a newer one is on its way
      }
    },
    20_000,
    100,
  );
}

/** Lets the crash loop come to rest (the next instance stays up), then reads the tree. */
async function quietSnapshot(tree: Tree): Promise<Snapshot> {
  await bringToRest(tree);
  return snapshot(tree);
}

/** Back to crashing: kill the instance that stayed up; its death starts the loop again. */
function resume(tree: Tree): void {
  fs.writeFileSync(modeFile(tree), 'crash\n');
  const last = lastExec(tree.scandir.services[0] as string);
  if (last) process.kill(tree.hostPid(last.pid), 'SIGKILL');
}

function snapshot(tree: Tree): Snapshot {
  const pids = tree.supervisorPids();
  return {
    rssKB: pids.reduce((s, pid) => s + memoryOf(pid).rss, 0),
    peakKB: pids.reduce((s, pid) => s + peakRssOf(pid), 0),
    anonKB: pids.reduce((s, pid) => s + anonRssOf(pid), 0),
    fds: pids.reduce((s, pid) => s + fdCountOf(pid), 0),
  };
}

/** Waits until service 0 of `tree` has been started `target` times, poking it when a restart stalls. */
async function restarts(tree: Tree, target: number, deadline: number): Promise<number> {
  let seen = tree.listener.count(0, 'u');
  let lastChange = Date.now();
  let pokes = 0;
  while (tree.listener.count(0, 'u') < target) {
    if (Date.now() > deadline)
      throw new Error(`${tree.sup.label}: only ${tree.listener.count(0, 'u')} of ${target} starts before the deadline`);
    await sleep(50);
    const now = tree.listener.count(0, 'u');
    if (now !== seen) {
      seen = now;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > 2000) {
      // A "u" that arrived while the service was still going down is lost; send another.
      fs.writeFileSync(path.join(tree.scandir.services[0] as string, 'supervise/control'), 'u');
      pokes++;
      lastChange = Date.now();
    }
  }
  return pokes;
}

export const soakScenario: Scenario = {
  name: 'soak',
  fullSeconds: 120,
  rows: rows('10,000'),
  async run(ctx: Context, rec: Recorder) {
    const total = ctx.n(200, 10_000);
    const warmup = ctx.n(20, 200);
    const deadline = Date.now() + ctx.n(40, 600) * 1000;
    const sides: Array<[side: 'nuwa' | 'peer', sup: Supervisor]> = [
      ['peer', supervisor('s6', ctx.nuwa)],
      ['nuwa', supervisor('nuwa', ctx.nuwa)],
    ];
    ctx.progress(`${total} crash-restarts each, side by side`);
    const note = ctx.quick ? ` (--quick: ${total})` : '';
    await Promise.all(
      sides.map(async ([side, sup]) => {
        if (sup.lacks) {
          for (const id of ['soak-rss', 'soak-rss-late', 'soak-fds']) rec[side](id, notAvailable(sup.lacks));
          return;
        }
        try {
          const tree = await startTree(ctx, sup, 1, { mode: 'crash', notify: false, kick: true, keepEvents: false });
          try {
            await restarts(tree, warmup, deadline);
            const before = await quietSnapshot(tree);
            const from = tree.listener.count(0, 'u');
            const startedAt = Date.now();
            let restingMs = 0;
            let pokes = 0;
            const half = async (target: number): Promise<Snapshot> => {
              resume(tree);
              pokes += await restarts(tree, target, deadline);
              const resting = Date.now();
              const snap = await quietSnapshot(tree);
              restingMs += Date.now() - resting;
              return snap;
            };
            const middle = await half(from + Math.floor(total / 2));
            const after = await half(from + total);
            const rate = (total / ((Date.now() - startedAt - restingMs) / 1000)).toFixed(0);
            const mb = (kb: number) => (kb / 1024).toFixed(1);
            const detail =
              `${total} restarts at ${rate}/s${note}; ` +
              `anonymous RSS ${mb(before.anonKB)} → ${mb(middle.anonKB)} (half-way) → ${mb(after.anonKB)} MB; ` +
              `RSS ${mb(before.rssKB)} → ${mb(middle.rssKB)} → ${mb(after.rssKB)} MB; ` +
              `peak RSS ${mb(before.peakKB)} → ${mb(middle.peakKB)} → ${mb(after.peakKB)} MB; ` +
              `fds ${before.fds} → ${middle.fds} → ${after.fds}${pokes ? `; ${pokes} stalled restart(s) needed a second "u"` : ''}`;
            rec[side]('soak-rss', measured([(after.anonKB - before.anonKB) / 1024], detail));
            rec[side]('soak-rss-late', measured([(after.anonKB - middle.anonKB) / 1024]));
            rec[side]('soak-fds', measured([after.fds - before.fds]));
          } finally {
            await tree.stop();
          }
        } catch (err) {
          for (const id of ['soak-rss', 'soak-rss-late', 'soak-fds']) rec[side](id, failed(err));
        }
      }),
    );
  },
};
