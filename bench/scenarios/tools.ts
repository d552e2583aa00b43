/**
 * Item 10: start-up of a status tool, `nuwa svstat DIR` vs Debian's `s6-svstat DIR`, each on a service its own
 * supervisor runs. Beyond the list: the floor of any nuwa tool (`nuwa --version`) next to a C program doing as
 * little (`tini --version`).
 */
import { execFile } from 'node:child_process';
import type { Context, Scenario } from '../lib/context';
import { failed, measured, notAvailable, type Outcome, type Recorder, type RowSpec } from '../lib/rows';
import { inits, nuwaLacks, supervisor, which } from '../lib/subjects';
import { startTree, type Tree } from '../lib/tree';

const method =
  'The stopwatch probe runs the command N times in a row (fork, exec, wait; CLOCK_MONOTONIC around each), in batches ' +
  'that alternate between the two tools; two warm-up runs first. Every run must exit 0.';

const rows: RowSpec[] = [
  {
    id: 'tool-svstat',
    item: 10,
    title: 'tool start-up: svstat of one service',
    unit: 'ms',
    subject: 'nuwa svstat',
    peer: 's6-svstat',
    method,
  },
  {
    id: 'tool-floor',
    item: 0,
    title: 'tool start-up floor: print the version and exit',
    unit: 'ms',
    subject: 'nuwa --version',
    peer: 'tini --version',
    method: `${method} Shows how much of any nuwa tool's start-up is the Node runtime itself.`,
  },
  {
    id: 'svstat-floor',
    item: 0,
    title: 'svstat start-up against the runtime floor',
    unit: 'ms',
    subject: 'nuwa svstat',
    peer: 'empty single executable, same Node',
    method:
      'The svstat samples above, against an empty single executable the bench packs with the same Node, code cache ' +
      `and strip (scripts/sea.js). ${method}`,
  },
  {
    id: 'version-floor',
    item: 0,
    title: '--version start-up against the runtime floor',
    unit: 'ms',
    subject: 'nuwa --version',
    peer: 'empty single executable, same Node',
    method: `The --version samples above, against the same empty single executable. ${method}`,
  },
];

function repeat(stopwatch: string, times: number, command: string[]): Promise<number[]> {
  return new Promise((resolve, reject) => {
    execFile(stopwatch, ['repeat', String(times), ...command], { encoding: 'utf8', timeout: 120_000 }, (err, stdout) => {
      if (err) return reject(new Error(`${command.join(' ')}: ${err.message.trim()}`));
      const samples: number[] = [];
      for (const line of stdout.trim().split('\n')) {
        const [ns, status] = line.split(' ');
        if (status !== '0') return reject(new Error(`'${command.join(' ')}' failed (wait status ${status})`));
        samples.push(Number(ns) / 1e6);
      }
      resolve(samples);
    });
  });
}

export interface Contender {
  command?: string[];
  lacks?: string;
  samples: number[];
  error?: unknown;
}

/** Alternating batches of the two commands; returns [subject, peer] outcomes. */
export async function duel(ctx: Context, subject: Contender, peer: Contender): Promise<[Outcome, Outcome]> {
  const batches = ctx.n(1, 4);
  const perBatch = ctx.n(5, 25);
  for (const c of [subject, peer]) {
    if (!c.command) continue;
    try {
      await repeat(ctx.probes.stopwatch, 2, c.command);
    } catch (err) {
      c.error = err;
    }
  }
  for (let b = 0; b < batches; b++) {
    for (const c of [subject, peer]) {
      if (!c.command || c.error !== undefined) continue;
      try {
        c.samples.push(...(await repeat(ctx.probes.stopwatch, perBatch, c.command)));
      } catch (err) {
        c.error = err;
      }
    }
  }
  const outcome = (c: Contender): Outcome =>
    c.lacks ? notAvailable(c.lacks) : c.error !== undefined ? failed(c.error) : measured(c.samples);
  return [outcome(subject), outcome(peer)];
}

export const toolsScenario: Scenario = {
  name: 'tools',
  fullSeconds: 30,
  rows,
  async run(ctx: Context, rec: Recorder) {
    const trees: Tree[] = [];
    try {
      const contenders: Record<'nuwa' | 'peer', Contender> = { nuwa: { samples: [] }, peer: { samples: [] } };
      for (const [side, kind] of [
        ['peer', 's6'],
        ['nuwa', 'nuwa'],
      ] as const) {
        const sup = supervisor(kind, ctx.nuwa);
        const lacks = sup.lacks ?? (kind === 'nuwa' ? nuwaLacks(ctx.nuwa, 'svstat') : undefined);
        if (lacks) {
          contenders[side].lacks = lacks;
          continue;
        }
        try {
          const tree = await startTree(ctx, sup, 1);
          trees.push(tree);
          contenders[side].command = sup.svstat(tree.scandir.services[0] as string);
        } catch (err) {
          contenders[side].error = err;
        }
      }
      ctx.progress('svstat, alternating batches');
      const [a, b] = await duel(ctx, contenders.nuwa, contenders.peer);
      rec.nuwa('tool-svstat', a);
      rec.peer('tool-svstat', b);

      const { tini } = inits(ctx.nuwa);
      const floorNuwa: Contender = ctx.nuwa.missing
        ? { lacks: ctx.nuwa.missing, samples: [] }
        : { command: [ctx.nuwa.path, '--version'], samples: [] };
      const floorPeer: Contender = tini.lacks
        ? { lacks: tini.lacks, samples: [] }
        : { command: [which('tini') ?? 'tini', '--version'], samples: [] };
      ctx.progress('version floor, alternating batches');
      const [c, d] = await duel(ctx, floorNuwa, floorPeer);
      rec.nuwa('tool-floor', c);
      rec.peer('tool-floor', d);

      const empty: Contender = ctx.floor.path ? { command: [ctx.floor.path], samples: [] } : { lacks: ctx.floor.missing, samples: [] };
      ctx.progress('runtime floor (empty single executable)');
      const [floor] = await duel(ctx, empty, { samples: [] });
      rec.nuwa('svstat-floor', a);
      rec.peer('svstat-floor', floor);
      rec.nuwa('version-floor', c);
      rec.peer('version-floor', floor);
    } finally {
      await Promise.all(trees.map((t) => t.stop()));
    }
  },
};
