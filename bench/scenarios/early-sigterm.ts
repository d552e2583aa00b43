/**
 * Issue 18, item 2: how soon after its exec PID 1 honours a SIGTERM. In a PID namespace the kernel drops a signal to
 * PID 1 while PID 1 has no handler for it, so a `podman stop` right after `podman run` is lost until the init has its
 * handlers; what is measured is that window, nuwa init vs tini.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context, Scenario } from '../lib/context';
import { startPid1, type Pid1 } from '../lib/namespace';
import { failed, measured, notAvailable, type Outcome, type Recorder, type RowSpec } from '../lib/rows';
import { inits, type Init } from '../lib/subjects';
import { nowNs, sleep } from '../lib/wait';

/** After the main program has started, how long PID 1 may keep running before the SIGTERM counts as lost. */
const LOST_AFTER_MS = 300;
/** The bisection stops when the lost and honoured offsets are this close. */
const RESOLUTION_MS = 2;

const method =
  'PID 1 is started by the stopwatch probe, which stamps CLOCK_MONOTONIC and execs the init in the same process ' +
  '(the exec of PID 1); its main program writes a file, then execs `sleep`. The harness busy-waits until the stamp plus ' +
  'a chosen delay and sends SIGTERM to PID 1; the offset is the time it was actually sent. Honoured: PID 1 exits; lost: ' +
  `PID 1 still runs ${LOST_AFTER_MS} ms after its main program started. One sample is a bisection over the delay ` +
  `(fresh namespace per try, ${RESOLUTION_MS} ms resolution): the earliest offset seen honoured above the latest seen lost. ` +
  "The harness's NODE_EXTRA_CA_CERTS is cleared for PID 1 (Node reads that CA bundle during its own start-up, ~35 ms on " +
  'the machine this row was written on; images seldom set it). Samples alternate nuwa init and tini.';

const rows: RowSpec[] = [
  {
    id: 'early-sigterm-tini',
    item: 0,
    title: 'earliest SIGTERM that is honoured (ms after exec)',
    unit: 'ms',
    subject: 'nuwa init',
    peer: 'tini',
    method,
  },
];

let serial = 0;

/** The stamp the stopwatch wrote just before exec'ing PID 1 (ns), read as soon as it is there. */
function readStamp(file: string, pid1: Pid1): bigint {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const text = fs.readFileSync(file, 'utf8');
      if (text.endsWith('\n')) return BigInt(text.trim());
    } catch {
      // not written yet
    }
    if (pid1.hasExited() || Date.now() > deadline) throw new Error(`no exec stamp in ${file}: ${pid1.output().trim().slice(-300)}`);
  }
}

/** One try: SIGTERM `delayMs` after PID 1's exec. Returns the offset it was sent at and whether it was honoured. */
async function attempt(ctx: Context, init: Init, delayMs: number): Promise<{ offsetMs: number; honoured: boolean }> {
  const n = ++serial;
  const stamp = path.join(ctx.scratch, `early-stamp-${n}`);
  const started = path.join(ctx.scratch, `early-main-${n}`);
  const main = ['sh', '-c', `echo > '${started}'; exec sleep 3600`];
  const pid1 = await startPid1(ctx.scratch, `${init.label} early SIGTERM`, [ctx.probes.stopwatch, 'stamp', stamp, ...init.command(main)], {
    env: { NODE_EXTRA_CA_CERTS: '' },
  });
  try {
    const exec = readStamp(stamp, pid1);
    const at = exec + BigInt(Math.round(delayMs * 1e6));
    while (nowNs() < at) {
      // busy-wait: a timer would add a millisecond of jitter
    }
    process.kill(pid1.hostPid, 'SIGTERM');
    const offsetMs = Number(nowNs() - exec) / 1e6;
    const deadline = Date.now() + 10_000;
    let mainSince: number | undefined;
    for (;;) {
      if (pid1.hasExited()) return { offsetMs, honoured: true };
      if (mainSince === undefined && fs.existsSync(started)) mainSince = Date.now();
      if (mainSince !== undefined && Date.now() - mainSince > LOST_AFTER_MS) return { offsetMs, honoured: false };
      if (Date.now() > deadline)
        throw new Error(`${init.label}'s main program did not start within 10 s: ${pid1.output().trim().slice(-300)}`);
      await sleep(2);
    }
  } finally {
    await pid1.kill();
  }
}

/** One sample: bisects the delay between a SIGTERM that was lost and one that was honoured. */
async function earliestHonoured(ctx: Context, init: Init): Promise<number> {
  const first = await attempt(ctx, init, 0);
  if (first.honoured) return first.offsetMs;
  let lost = first.offsetMs;
  let honoured: number | undefined;
  for (let probe = 200; honoured === undefined; probe *= 2) {
    if (probe > 6400) throw new Error(`a SIGTERM ${probe / 2} ms after exec was still lost`);
    const tried = await attempt(ctx, init, probe);
    if (tried.honoured) honoured = tried.offsetMs;
    else lost = Math.max(lost, tried.offsetMs);
  }
  while (honoured - lost > RESOLUTION_MS) {
    const tried = await attempt(ctx, init, (lost + honoured) / 2);
    if (tried.honoured) honoured = Math.min(honoured, tried.offsetMs);
    else lost = Math.max(lost, tried.offsetMs);
    if (lost >= honoured) break; // noise: a later SIGTERM lost than one honoured; keep the honoured one
  }
  return honoured;
}

export const earlySigtermScenario: Scenario = {
  name: 'early-sigterm',
  fullSeconds: 90,
  rows,
  async run(ctx: Context, rec: Recorder) {
    const samples = ctx.n(2, 15);
    const { nuwa, tini } = inits(ctx.nuwa);
    const contenders = [nuwa, tini].map((init) => ({ init, samples: [] as number[], error: undefined as unknown }));
    ctx.progress(`${samples} bisections each, alternating nuwa init and tini`);
    for (let s = 0; s < samples; s++) {
      for (const k of contenders) {
        if (k.init.lacks || k.error !== undefined) continue;
        try {
          k.samples.push(await earliestHonoured(ctx, k.init));
        } catch (err) {
          k.error = err;
        }
      }
    }
    const outcome = (k: (typeof contenders)[number]): Outcome =>
      k.init.lacks ? notAvailable(k.init.lacks) : k.error !== undefined ? failed(k.error) : measured(k.samples);
    const [ours, peer] = contenders.map(outcome) as [Outcome, Outcome];
    rec.nuwa('early-sigterm-tini', ours);
    rec.peer('early-sigterm-tini', peer);
  },
};
