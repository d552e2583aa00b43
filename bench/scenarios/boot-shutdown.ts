/**
 * Items 5 and 6 for supervision trees: exec of PID 1 → 10 services all ready, then SIGTERM to PID 1 → PID 1 gone.
 * One boot and one shutdown per cycle, cycles alternating between s6-svscan and nuwa svscan.
 */
import type { Context, Scenario } from '../lib/context';
import { failed, measured, notAvailable, type Recorder, type RowSpec } from '../lib/rows';
import { nsToMs } from '../lib/stats';
import { timeShutdown } from '../lib/stop';
import { supervisor } from '../lib/subjects';
import { startTree } from '../lib/tree';
import { sleep } from '../lib/wait';

const SERVICES = 10;

const rows: RowSpec[] = [
  {
    id: 'boot',
    item: 5,
    title: `boot: exec of PID 1 → ${SERVICES} services ready`,
    unit: 'ms',
    subject: 'nuwa svscan',
    peer: 's6-svscan',
    method:
      `PID 1 is started through the stopwatch probe, which reads CLOCK_MONOTONIC and then execs the scanner in the same ` +
      `process (so the stamp is the exec of PID 1). A probe subscribed beforehand to each service's event/ fifodir ` +
      `(created up front) records the 'U' events; boot ends at the last of the ${SERVICES}. A fresh scan dir per cycle.`,
  },
  {
    id: 'shutdown-svscan',
    item: 6,
    title: `shutdown: SIGTERM to PID 1 → exit (${SERVICES} services)`,
    unit: 'ms',
    subject: 'nuwa svscan',
    peer: 's6-svscan',
    method:
      `After the boot above and 0.1 s of rest, the stopwatch probe opens a pidfd on PID 1, reads the clock, sends SIGTERM ` +
      `and waits until the pidfd says PID 1 has exited (for a namespace's PID 1 that is after every process in it is gone). ` +
      `The services die of SIGTERM at once.`,
  },
];

export const bootShutdownScenario: Scenario = {
  name: 'boot-shutdown',
  fullSeconds: 30,
  rows,
  async run(ctx: Context, rec: Recorder) {
    const cycles = ctx.n(3, 30);
    const sides = [
      { side: 'peer' as const, sup: supervisor('s6', ctx.nuwa), boot: [] as number[], stop: [] as number[], error: undefined as unknown },
      { side: 'nuwa' as const, sup: supervisor('nuwa', ctx.nuwa), boot: [] as number[], stop: [] as number[], error: undefined as unknown },
    ];
    ctx.progress(`${cycles} boot+shutdown cycles each, alternating`);
    for (let c = 0; c < cycles + 1; c++) {
      for (const s of sides) {
        if (s.sup.lacks || s.error !== undefined) continue;
        try {
          const tree = await startTree(ctx, s.sup, SERVICES);
          try {
            const ready = tree.scandir.services.map((_, i) => tree.listener.events[i]?.find((e) => e.letter === 'U')?.ns ?? 0n);
            const boot = nsToMs(ready.reduce((a, b) => (b > a ? b : a)) - tree.execNs);
            await sleep(100);
            const stop = await timeShutdown(ctx.probes.stopwatch, tree.pid1, 15_000);
            if (c > 0) {
              // cycle 0 is the warm-up (page cache, first exec of each binary)
              s.boot.push(boot);
              s.stop.push(stop);
            }
          } finally {
            await tree.stop();
          }
        } catch (err) {
          s.error = err;
        }
      }
    }
    for (const s of sides) {
      for (const [id, samples] of [
        ['boot', s.boot],
        ['shutdown-svscan', s.stop],
      ] as const) {
        rec[s.side](id, s.sup.lacks ? notAvailable(s.sup.lacks) : s.error !== undefined ? failed(s.error) : measured(samples));
      }
    }
  },
};
