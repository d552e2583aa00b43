/**
 * Items 1 and 2: a restart, from the moment it is caused to the moment the new instance has exec'd and to the moment
 * its supervisor has seen it ready. Caused by a crash (SIGKILL from outside) or by `svc -r`.
 *
 * Both supervisors restart at once only a service that has been ready for at least 1 s (s6's rule; nuwa restarts
 * at once after ≥ 1 s of uptime), so each tree holds several services and each sample takes the one that has been
 * ready the longest, waiting until it has been ready ≥ 1.05 s. Samples of all variants are interleaved, one
 * restart at a time in the whole machine, so slow phases of the machine hit every variant alike.
 */
import { mustSucceed, timedRun } from '../lib/command';
import type { Context, Scenario } from '../lib/context';
import { failed, measured, notAvailable, type Recorder, type RowSpec } from '../lib/rows';
import { lastExec } from '../lib/scandir';
import { nsToMs } from '../lib/stats';
import { supervisor, type Supervisor } from '../lib/subjects';
import { startTree, type Tree } from '../lib/tree';
import { nowNs, sleep, until } from '../lib/wait';

const EXEC_METHOD =
  'Each service is the C probe itself as `run` (no shell); its first instruction reads CLOCK_MONOTONIC and it appends ' +
  'the time to a file. Latency = that stamp minus the time taken just before the cause';
const READY_METHOD =
  'The service writes "\\n" to its notification-fd right after its exec stamp; the time is when a probe subscribed ' +
  "to the service's event/ fifodir (as s6-svwait does) read the supervisor's 'U' event";

const rows: RowSpec[] = [
  {
    id: 'restart-crash-exec',
    item: 1,
    title: 'restart after crash: SIGKILL → new instance exec’d',
    unit: 'ms',
    subject: 'nuwa svscan',
    peer: 's6-supervise',
    method: `SIGKILL sent by the harness (time read just before kill()) to a service ready for ≥ 1 s. ${EXEC_METHOD}.`,
    goal: { text: '≤ 5 ms p50', max: 5, on: 'p50' },
  },
  {
    id: 'restart-crash-ready',
    item: 1,
    title: 'restart after crash: SIGKILL → new instance ready',
    unit: 'ms',
    subject: 'nuwa svscan',
    peer: 's6-supervise',
    method: `As above; ${READY_METHOD}.`,
  },
  {
    id: 'restart-svc-exec',
    item: 2,
    title: 'svc -r → new instance exec’d (each with its own svc)',
    unit: 'ms',
    subject: 'nuwa svc -r on nuwa',
    peer: 's6-svc -r on s6',
    method: `The svc command is started by a C stopwatch (time read just before fork), so its own start-up counts. ${EXEC_METHOD}.`,
    goal: { text: '≤ 100 ms p50', max: 100, on: 'p50' },
  },
  {
    id: 'restart-svc-ready',
    item: 2,
    title: 'svc -r → new instance ready (each with its own svc)',
    unit: 'ms',
    subject: 'nuwa svc -r on nuwa',
    peer: 's6-svc -r on s6',
    method: `As above; ${READY_METHOD}.`,
  },
  {
    id: 'restart-s6svc-exec',
    item: 2,
    title: 's6-svc -r → new instance exec’d',
    unit: 'ms',
    subject: 's6-svc -r on nuwa',
    peer: 's6-svc -r on s6',
    method: `Debian's s6-svc writes 'r' into supervise/control of a nuwa- or an s6-supervised service. ${EXEC_METHOD}.`,
    goal: { text: '≤ 10 ms p50', max: 10, on: 'p50' },
  },
  {
    id: 'restart-s6svc-ready',
    item: 2,
    title: 's6-svc -r → new instance ready',
    unit: 'ms',
    subject: 's6-svc -r on nuwa',
    peer: 's6-svc -r on s6',
    method: `As above; ${READY_METHOD}.`,
  },
];

/** How one variant causes a restart of service `index`; returns the time (ns) of the cause. */
type Cause = (tree: Tree, index: number) => Promise<bigint>;

interface Variant {
  name: string;
  tree: Tree;
  cause: Cause;
  /** Where the exec and ready samples go: [row id, side] pairs. */
  targets: Array<[execRow: string, readyRow: string, side: 'nuwa' | 'peer']>;
  warmup: number;
  want: number;
  exec: number[];
  ready: number[];
  error?: unknown;
}

const READY_AGE_NS = 1_050_000_000n;

const crash: Cause = async (tree, index) => {
  const service = tree.scandir.services[index] as string;
  const current = lastExec(service);
  if (!current) throw new Error(`service #${index} has no exec record`);
  const host = tree.hostPid(current.pid);
  const t0 = nowNs();
  process.kill(host, 'SIGKILL');
  return t0;
};

function svcRestart(ctx: Context, command: (dir: string) => string[]): Cause {
  return async (tree, index) => {
    const argv = command(tree.scandir.services[index] as string);
    return mustSucceed(await timedRun(ctx.probes.stopwatch, argv), argv).t0;
  };
}

/** The service of `tree` that has been ready the longest, once it has been ready ≥ 1.05 s. */
async function restartable(tree: Tree): Promise<number> {
  let best = 0;
  let bestAt: bigint | undefined;
  tree.scandir.services.forEach((_, i) => {
    const at = tree.listener.last(i, 'U') ?? 0n;
    if (bestAt === undefined || at < bestAt) [best, bestAt] = [i, at];
  });
  const wait = (bestAt ?? 0n) + READY_AGE_NS - nowNs();
  if (wait > 0n) await sleep(Math.ceil(nsToMs(wait)));
  return best;
}

async function sample(ctx: Context, variant: Variant): Promise<void> {
  const { tree } = variant;
  const index = await restartable(tree);
  const service = tree.scandir.services[index] as string;
  const before = lastExec(service);
  const t0 = await variant.cause(tree, index);
  const ready = await tree.listener.next(index, 'U', t0, 5000);
  const exec = await until(
    `the new instance of ${service}`,
    () => {
      const now = lastExec(service);
      return now && now.pid !== before?.pid ? now : undefined;
    },
    5000,
  );
  if (variant.warmup > 0) {
    variant.warmup--;
  } else {
    variant.exec.push(nsToMs(exec.ns - t0));
    variant.ready.push(nsToMs(ready - t0));
  }
  await sleep(ctx.quick ? 10 : 20); // let the machine settle before the next restart anywhere
}

type Targets = Variant['targets'];

const S6_TARGETS: { crash: Targets; svc: Targets } = {
  crash: [['restart-crash-exec', 'restart-crash-ready', 'peer']],
  svc: [
    ['restart-svc-exec', 'restart-svc-ready', 'peer'],
    ['restart-s6svc-exec', 'restart-s6svc-ready', 'peer'],
  ],
};
const NUWA_TARGETS: { crash: Targets; svc: Targets; s6svc: Targets } = {
  crash: [['restart-crash-exec', 'restart-crash-ready', 'nuwa']],
  svc: [['restart-svc-exec', 'restart-svc-ready', 'nuwa']],
  s6svc: [['restart-s6svc-exec', 'restart-s6svc-ready', 'nuwa']],
};

/** What setting up the variants needs: the run, where rows go, the sample counts and every tree started (to stop). */
interface Setup {
  ctx: Context;
  rec: Recorder;
  crashes: number;
  commands: number;
  warmup: number;
  services: number;
  trees: Tree[];
}

function unavailable(rec: Recorder, ids: Targets, reason: string): void {
  for (const [execRow, readyRow, side] of ids) {
    rec[side](execRow, notAvailable(reason));
    rec[side](readyRow, notAvailable(reason));
  }
}

function failAll(rec: Recorder, ids: Targets, err: unknown): void {
  for (const [execRow, readyRow, side] of ids) {
    rec[side](execRow, failed(err));
    rec[side](readyRow, failed(err));
  }
}

async function start(setup: Setup, sup: Supervisor): Promise<Tree> {
  const tree = await startTree(setup.ctx, sup, setup.services);
  setup.trees.push(tree);
  return tree;
}

function variant(setup: Setup, name: string, tree: Tree, cause: Cause, targets: Targets, want: number): Variant {
  return { name, tree, cause, targets, warmup: setup.warmup, want, exec: [], ready: [] };
}

/** s6-svscan's variants: a crash, and `s6-svc -r` (which serves both svc rows of the peer). */
async function s6Variants(setup: Setup, s6: Supervisor): Promise<Variant[]> {
  const { ctx, rec } = setup;
  if (s6.lacks) {
    unavailable(rec, [...S6_TARGETS.crash, ...S6_TARGETS.svc], s6.lacks);
    return [];
  }
  ctx.progress(`starting s6-svscan with ${setup.services} services`);
  try {
    const tree = await start(setup, s6);
    return [
      variant(setup, 's6 crash', tree, crash, S6_TARGETS.crash, setup.crashes),
      variant(
        setup,
        's6 s6-svc -r',
        tree,
        svcRestart(ctx, (dir) => s6.svc(['-r'], dir)),
        S6_TARGETS.svc,
        setup.commands,
      ),
    ];
  } catch (err) {
    failAll(rec, [...S6_TARGETS.crash, ...S6_TARGETS.svc], err);
    return [];
  }
}

/** nuwa svscan's variants: a crash, nuwa's own `svc -r` (if nuwa has it) and Debian's `s6-svc -r` (if installed). */
async function nuwaVariants(setup: Setup, nuwa: Supervisor, s6: Supervisor): Promise<Variant[]> {
  const { ctx, rec } = setup;
  const all = [...NUWA_TARGETS.crash, ...NUWA_TARGETS.svc, ...NUWA_TARGETS.s6svc];
  if (nuwa.lacks) {
    unavailable(rec, all, nuwa.lacks);
    return [];
  }
  ctx.progress(`starting nuwa svscan with ${setup.services} services`);
  const variants: Variant[] = [];
  try {
    const tree = await start(setup, nuwa);
    variants.push(variant(setup, 'nuwa crash', tree, crash, NUWA_TARGETS.crash, setup.crashes));
    const svcLacks = ctx.nuwa.applets.has('svc') ? undefined : "nuwa has no 'svc' applet yet (not in `nuwa --help`)";
    if (svcLacks) unavailable(rec, NUWA_TARGETS.svc, svcLacks);
    else
      variants.push(
        variant(
          setup,
          'nuwa nuwa-svc -r',
          tree,
          svcRestart(ctx, (dir) => nuwa.svc(['-r'], dir)),
          NUWA_TARGETS.svc,
          setup.commands,
        ),
      );
    if (s6.lacks) unavailable(rec, NUWA_TARGETS.s6svc, s6.lacks);
    else
      variants.push(
        variant(
          setup,
          'nuwa s6-svc -r',
          tree,
          svcRestart(ctx, (dir) => s6.svc(['-r'], dir)),
          NUWA_TARGETS.s6svc,
          setup.commands,
        ),
      );
  } catch (err) {
    failAll(rec, all, err);
  }
  return variants;
}

/** Samples until every variant has its `want` or has failed. */
async function sampleAll(ctx: Context, variants: Variant[]): Promise<void> {
  // Interleaved: one sample of each unfinished variant per round.
  let round = 0;
  for (;;) {
    const active = variants.filter((v) => v.error === undefined && v.exec.length < v.want);
    if (active.length === 0) break;
    for (const v of active) {
      try {
        await sample(ctx, v);
      } catch (err) {
        v.error = err;
      }
    }
    if (++round % 25 === 0) ctx.progress(`restarts: ${variants.map((v) => `${v.name} ${v.exec.length}/${v.want}`).join(', ')}`);
  }
}

function record(rec: Recorder, variants: Variant[]): void {
  for (const v of variants) {
    for (const [execRow, readyRow, side] of v.targets) {
      if (v.error !== undefined) {
        const err = new Error(`${v.name}: ${(v.error as Error).message ?? String(v.error)} (after ${v.exec.length} samples)`);
        rec[side](execRow, failed(err));
        rec[side](readyRow, failed(err));
      } else {
        rec[side](execRow, measured(v.exec));
        rec[side](readyRow, measured(v.ready));
      }
    }
  }
}

export const restartScenario: Scenario = {
  name: 'restart',
  fullSeconds: 60,
  rows,
  async run(ctx: Context, rec: Recorder) {
    const setup: Setup = {
      ctx,
      rec,
      crashes: ctx.n(4, 200),
      commands: ctx.n(4, 100),
      warmup: ctx.n(1, 10),
      services: ctx.n(8, 16),
      trees: [],
    };
    const s6 = supervisor('s6', ctx.nuwa);
    const nuwa = supervisor('nuwa', ctx.nuwa);
    try {
      const variants = await s6Variants(setup, s6);
      variants.push(...(await nuwaVariants(setup, nuwa, s6)));
      await sampleAll(ctx, variants);
      record(rec, variants);
    } finally {
      await Promise.all(setup.trees.map((t) => t.stop()));
    }
  },
};
