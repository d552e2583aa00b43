/**
 * Issue 17 item 5: what PID 1 weighs where it matters to a host running many containers. The anonymous RSS of the
 * supervisor with 10 services at rest after 1,000 crash-restarts (what churn leaves behind), and the summed PSS of 5
 * supervision trees started from the same executable file, as 5 containers of one image are.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context, Scenario } from '../lib/context';
import { anonRssOf, memoryOf } from '../lib/proc';
import { failed, measured, notAvailable, type Outcome, type Recorder, type RowSpec } from '../lib/rows';
import { supervisor, type Supervisor } from '../lib/subjects';
import { startTree, type Tree } from '../lib/tree';
import { sleep } from '../lib/wait';
import { readings } from './memory';
import { bringToRest } from './soak';

const SERVICES = 10;
const CONTAINERS = 5;
/** The extra reading of the PSS row, once start-up has settled. */
const AT_REST_MS = 8000;

const rows: RowSpec[] = [
  {
    id: 'footprint-anon-churn',
    item: 7,
    title: `memory: anonymous RSS, ${SERVICES} services at rest after 1,000 crash-restarts (100 in --quick)`,
    unit: 'MB',
    subject: 'nuwa svscan',
    peer: 's6-svscan + s6-supervise',
    method:
      `${SERVICES} services that die of SIGKILL right after their exec stamp, each 'D' answered with "u" on supervise/control ` +
      '(as in the soak), until 1,000 starts in all; then every service is switched to stay up and RssAnon ' +
      '(/proc/PID/status) is summed over the tree (nuwa: PID 1 alone) once each has stayed up 1 s. Both trees side by side.',
    goal: { text: '≤ 12 MB', max: 12, on: 'p50' },
  },
  {
    id: 'footprint-pss-5',
    item: 7,
    title: `memory: summed PSS of ${CONTAINERS} supervision trees of one executable file, 1 service each`,
    unit: 'MB',
    subject: `${CONTAINERS} × nuwa svscan`,
    peer: `${CONTAINERS} × (s6-svscan + s6-supervise)`,
    method:
      `${CONTAINERS} trees, each PID 1 of its own PID namespace, all started from the same file (the bench's private copy ` +
      'of dist/nuwa; Debian’s s6 binaries), as 5 containers of one image map the same inode; PSS from ' +
      '/proc/PID/smaps_rollup summed over every PID 1 and supervisor, 0.3 s after every service is ready (5 readings ' +
      '0.1 s apart, 1 in --quick). Pages of the executable the trees share are divided among them. The note adds one ' +
      'reading 8 s later, at rest.',
    goal: { text: '≤ 60 MB', max: 60, on: 'p50' },
  },
];

/** Waits until the services of `tree` have been started `target` times in all, poking them when restarts stall. */
async function churn(tree: Tree, target: number, deadline: number): Promise<void> {
  const total = () => tree.scandir.services.reduce((sum, _, i) => sum + tree.listener.count(i, 'u'), 0);
  let seen = total();
  let lastChange = Date.now();
  while (total() < target) {
    if (Date.now() > deadline) throw new Error(`${tree.sup.label}: only ${total()} of ${target} starts before the deadline`);
    await sleep(50);
    if (total() !== seen) {
      seen = total();
      lastChange = Date.now();
    } else if (Date.now() - lastChange > 2000) {
      // A "u" that arrived while a service was still going down is lost; send another to each.
      for (const service of tree.scandir.services) fs.writeFileSync(path.join(service, 'supervise/control'), 'u');
      lastChange = Date.now();
    }
  }
}

async function anonAfterChurn(ctx: Context, sup: Supervisor): Promise<Outcome> {
  if (sup.lacks) return notAvailable(sup.lacks);
  try {
    const tree = await startTree(ctx, sup, SERVICES, { mode: 'crash', notify: false, kick: true, keepEvents: false });
    try {
      const target = ctx.n(100, 1000);
      await churn(tree, target, Date.now() + ctx.n(60, 300) * 1000);
      await Promise.all(tree.scandir.services.map((_, i) => bringToRest(tree, i)));
      const kb = tree.supervisorPids().reduce((sum, pid) => sum + anonRssOf(pid), 0);
      return measured([kb / 1024], `${target} starts in all${ctx.quick ? ' (--quick)' : ''}`);
    } finally {
      await tree.stop();
    }
  } catch (err) {
    return failed(err);
  }
}

async function pssOfFive(ctx: Context, sup: Supervisor): Promise<Outcome> {
  if (sup.lacks) return notAvailable(sup.lacks);
  const trees: Tree[] = [];
  try {
    for (let k = 0; k < CONTAINERS; k++) trees.push(await startTree(ctx, sup, 1));
    const got = await readings(ctx, () => trees.flatMap((tree) => tree.supervisorPids()));
    const pids = trees.flatMap((tree) => tree.supervisorPids()).length;
    const each = trees.map((tree) => tree.supervisorPids().reduce((s, pid) => s + memoryOf(pid).pss, 0) / 1024);
    // what a host pays once start-up is over (nuwa gives back what start-up touched once it has settled)
    await sleep(AT_REST_MS);
    const atRest = trees.flatMap((tree) => tree.supervisorPids()).reduce((s, pid) => s + memoryOf(pid).pss, 0) / 1024;
    return measured(
      got.map((m) => m.pss / 1024),
      `${pids} processes; per tree ${each.map((mb) => mb.toFixed(1)).join(' / ')} MB; ${atRest.toFixed(1)} MB in all ` +
        `${AT_REST_MS / 1000} s later, at rest`,
    );
  } catch (err) {
    return failed(err);
  } finally {
    await Promise.all(trees.map((tree) => tree.stop()));
  }
}

export const footprintScenario: Scenario = {
  name: 'footprint',
  fullSeconds: 90,
  rows,
  async run(ctx: Context, rec: Recorder) {
    const sides = [
      ['peer', supervisor('s6', ctx.nuwa)],
      ['nuwa', supervisor('nuwa', ctx.nuwa)],
    ] as const;
    ctx.progress(`${SERVICES} services crash-restarting, side by side`);
    const churned = await Promise.all(sides.map(([, sup]) => anonAfterChurn(ctx, sup)));
    sides.forEach(([side], k) => rec[side]('footprint-anon-churn', churned[k] as Outcome));
    // one side at a time: the 5 trees of a side share their pages with each other, not with the other side's
    for (const [side, sup] of sides) {
      ctx.progress(`${CONTAINERS} trees of ${sup.label}`);
      rec[side]('footprint-pss-5', await pssOfFive(ctx, sup));
    }
  },
};
