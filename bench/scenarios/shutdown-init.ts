/**
 * Item 6 for tini-style inits: SIGTERM to PID 1 → exit, when the main program runs 10 helpers that stop promptly
 * (group.c passes SIGTERM on to them and exits once they are gone). nuwa init vs tini and dumb-init.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context, Scenario } from '../lib/context';
import { startPid1 } from '../lib/namespace';
import { failed, measured, notAvailable, type Outcome, type Recorder, type RowSpec } from '../lib/rows';
import { timeShutdown } from '../lib/stop';
import { inits } from '../lib/subjects';
import { sleep, until } from '../lib/wait';

const HELPERS = 10;

const method =
  `PID 1 runs the group probe, which forks ${HELPERS} children and, on SIGTERM, passes it on to them, waits for them and ` +
  `exits 0. Once the children exist and after 0.1 s of rest, the stopwatch probe sends SIGTERM to PID 1 and waits on a ` +
  `pidfd until PID 1 has exited. A fresh namespace per sample; the first is a warm-up.`;

const rows: RowSpec[] = [
  {
    id: 'shutdown-tini',
    item: 6,
    title: `shutdown: SIGTERM to PID 1 → exit (main + ${HELPERS} children)`,
    unit: 'ms',
    subject: 'nuwa init',
    peer: 'tini',
    method,
  },
  {
    id: 'shutdown-dumb-init',
    item: 6,
    title: `shutdown: SIGTERM to PID 1 → exit (main + ${HELPERS} children)`,
    unit: 'ms',
    subject: 'nuwa init',
    peer: 'dumb-init',
    method,
  },
];

let serial = 0;

export const shutdownInitScenario: Scenario = {
  name: 'shutdown-init',
  fullSeconds: 25,
  rows,
  async run(ctx: Context, rec: Recorder) {
    const cycles = ctx.n(3, 30);
    const { nuwa, tini, dumbInit } = inits(ctx.nuwa);
    const contenders = [nuwa, tini, dumbInit].map((init) => ({ init, samples: [] as number[], error: undefined as unknown }));
    ctx.progress(`${cycles} shutdowns each, alternating nuwa init, tini, dumb-init`);
    for (let c = 0; c < cycles + 1; c++) {
      for (const k of contenders) {
        if (k.init.lacks || k.error !== undefined) continue;
        try {
          const ready = path.join(ctx.scratch, `group-ready-${++serial}`);
          const pid1 = await startPid1(ctx.scratch, `${k.init.label} shutdown`, k.init.command([ctx.probes.group, String(HELPERS), ready]));
          try {
            await until(`${k.init.label}'s main program to start its children`, () => fs.existsSync(ready), 10_000);
            await sleep(100);
            const ms = await timeShutdown(ctx.probes.stopwatch, pid1, 15_000);
            if (c > 0) k.samples.push(ms);
          } finally {
            await pid1.kill();
          }
        } catch (err) {
          k.error = err;
        }
      }
    }
    const outcome = (k: (typeof contenders)[number]): Outcome =>
      k.init.lacks ? notAvailable(k.init.lacks) : k.error !== undefined ? failed(k.error) : measured(k.samples);
    const [ours, t, d] = contenders.map(outcome) as [Outcome, Outcome, Outcome];
    rec.nuwa('shutdown-tini', ours);
    rec.nuwa('shutdown-dumb-init', ours);
    rec.peer('shutdown-tini', t);
    rec.peer('shutdown-dumb-init', d);
  },
};
