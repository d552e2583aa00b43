/**
 * Item 4: 1,000 orphans at once, and PID 1 must reap them all: nuwa init vs tini and dumb-init, each as PID 1 of its
 * own namespace with the orphans probe (orphans.c) as its main program.
 */
import * as readline from 'node:readline';
import type { Context, Scenario } from '../lib/context';
import { startPid1 } from '../lib/namespace';
import { failed, measured, notAvailable, type Outcome, type Recorder, type RowSpec } from '../lib/rows';
import { inits, type Init } from '../lib/subjects';

const ORPHANS = 1000;

const method =
  `The main program forks a helper that forks ${ORPHANS} children blocked on a pipe, then exits: the ${ORPHANS} are ` +
  're-parented to PID 1 alive. Closing the pipe (time read just before) makes them all exit at once; the round ends when ' +
  'kill(pid, 0) fails with ESRCH for every one (a zombie still answers, only a reaped process does not), polled every 0.1 ms. ' +
  'Several rounds per PID 1, the first discarded as warm-up.';

const rows: RowSpec[] = [
  {
    id: 'reap-tini',
    item: 4,
    title: `reaping: ${ORPHANS} orphans at once → all reaped`,
    unit: 'ms',
    subject: 'nuwa init',
    peer: 'tini',
    method,
  },
  {
    id: 'reap-dumb-init',
    item: 4,
    title: `reaping: ${ORPHANS} orphans at once → all reaped`,
    unit: 'ms',
    subject: 'nuwa init',
    peer: 'dumb-init',
    method,
  },
];

/** One PID 1 lifetime: a warm-up round, then `rounds` measured ones (ms). */
async function reapRounds(ctx: Context, init: Init, rounds: number): Promise<number[]> {
  const pid1 = await startPid1(
    ctx.scratch,
    `${init.label} reaping`,
    init.command([ctx.probes.orphans, String(ORPHANS), String(rounds + 1)]),
    {
      pipeStdout: true,
    },
  );
  const lines: string[] = [];
  const reader = readline.createInterface({ input: pid1.stdout as NodeJS.ReadableStream });
  reader.on('line', (line) => lines.push(line));
  const timer = setTimeout(() => void pid1.kill(), (rounds + 1) * 25_000);
  await pid1.exited;
  clearTimeout(timer);
  const timeout = lines.find((l) => l.startsWith('timeout'));
  if (timeout) throw new Error(`${init.label}: ${timeout.split(' ')[1]} orphans still not reaped after 20 s`);
  const samples = lines
    .map(Number)
    .filter((x) => Number.isFinite(x))
    .map((ns) => ns / 1e6);
  if (samples.length !== rounds + 1) {
    throw new Error(`${init.label}: expected ${rounds + 1} rounds, got ${samples.length}: ${pid1.output().trim().slice(-300)}`);
  }
  return samples.slice(1);
}

export const reapingScenario: Scenario = {
  name: 'reaping',
  fullSeconds: 30,
  rows,
  async run(ctx: Context, rec: Recorder) {
    // Batches alternate between the inits, so a slow spell of the machine does not land on one of them only.
    const batches = ctx.n(1, 3);
    const perBatch = ctx.n(3, 10);
    const { nuwa, tini, dumbInit } = inits(ctx.nuwa);
    const contenders = [nuwa, tini, dumbInit].map((init) => ({ init, samples: [] as number[], error: undefined as unknown }));
    ctx.progress(`${batches * perBatch} rounds each: nuwa init, tini, dumb-init`);
    for (let b = 0; b < batches; b++) {
      for (const c of contenders) {
        if (c.init.lacks || c.error !== undefined) continue;
        try {
          c.samples.push(...(await reapRounds(ctx, c.init, perBatch)));
        } catch (err) {
          c.error = err;
        }
      }
    }
    const outcome = (c: (typeof contenders)[number]): Outcome =>
      c.init.lacks ? notAvailable(c.init.lacks) : c.error !== undefined ? failed(c.error) : measured(c.samples);
    const [ours, t, d] = contenders.map(outcome) as [Outcome, Outcome, Outcome];
    rec.nuwa('reap-tini', ours);
    rec.nuwa('reap-dumb-init', ours);
    rec.peer('reap-tini', t);
    rec.peer('reap-dumb-init', d);
  },
};
