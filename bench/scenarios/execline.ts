/**
 * Issue 14: an s6-overlay run script's chain, `#!execlineb -P` + with-contenv + s6-setuidgid + fdmove + importas +
 * foreground { … } + exec, ending in `true`. nuwa runs the chain in one process (one Node start, the block's fork,
 * one exec); the peers are Debian's execline + s6 with s6-overlay's own with-contenv script (C programs, one exec
 * each), and nuwa started once per program (each step a path to another copy of nuwa, which the chain must exec).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Context, Scenario } from '../lib/context';
import { ROOT, nuwaLacks, which } from '../lib/subjects';
import type { Recorder, RowSpec } from '../lib/rows';
import { duel, type Contender } from './tools';

const method =
  'The stopwatch probe runs the script N times in a row (fork, exec, wait; CLOCK_MONOTONIC around each), through ' +
  '`env -i` with the same PATH layout and S6_KEEP_ENV=1 for every side, in alternating batches; two warm-up runs first. ' +
  'Every run must exit 0.';

const rows: RowSpec[] = [
  {
    id: 'execline-chain',
    item: 0,
    title: 'execline run-script chain, start to final exec',
    unit: 'ms',
    subject: 'nuwa, one process',
    peer: 'execline + s6 (C)',
    method,
  },
  {
    id: 'execline-chain-per-program',
    item: 0,
    title: 'the same chain: in one process vs nuwa started per program',
    unit: 'ms',
    subject: 'nuwa, one process',
    peer: 'nuwa, one start per program',
    method,
  },
];

const PROGRAMS = ['execlineb', 'with-contenv', 's6-setuidgid', 'fdmove', 'importas', 'foreground', 'exec'];
const WITH_CONTENV = path.join(ROOT, '../shared/s6-overlay-ref/rootfs/package/admin/s6-overlay-3.1.5.0/command/with-contenv');

/** A folder of links named like the chain's programs, to `exe` (or, for `rest`, to another copy of nuwa). */
function binDir(root: string, name: string, exe: string, rest = exe): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  for (const program of PROGRAMS) fs.symlinkSync(program === 'execlineb' ? exe : rest, path.join(dir, program));
  return dir;
}

function script(dir: string, execlineb: string): string {
  const file = path.join(dir, 'run');
  const user = os.userInfo().username;
  const body = `with-contenv s6-setuidgid ${user} fdmove -c 2 1 importas -i HOME HOME foreground { true } exec true`;
  fs.writeFileSync(file, `#!${execlineb} -P\n${body}\n`, { mode: 0o755 });
  return file;
}

function command(bin: string, run: string): string[] {
  return ['/usr/bin/env', '-i', `PATH=${bin}:/usr/bin:/bin`, 'S6_KEEP_ENV=1', 'HOME=/', run];
}

/** Debian's side: its execlineb and s6-setuidgid, s6-overlay's with-contenv script read by that execlineb. */
function debianSide(root: string): Contender {
  const execlineb = which('execlineb');
  if (!execlineb || !which('s6-setuidgid') || !fs.existsSync(WITH_CONTENV)) {
    return { lacks: "Debian's execline and s6, and ../shared/s6-overlay-ref, are needed", samples: [] };
  }
  const dir = path.join(root, 'debian');
  fs.mkdirSync(dir);
  const withContenv = fs.readFileSync(WITH_CONTENV, 'utf8').replace(/^#!\S+/, `#!${execlineb}`);
  fs.writeFileSync(path.join(dir, 'with-contenv'), withContenv, { mode: 0o755 });
  return { command: command(`${dir}:/usr/lib/execline/bin`, script(dir, execlineb)), samples: [] };
}

export const execlineScenario: Scenario = {
  name: 'execline',
  fullSeconds: 40,
  rows,
  async run(ctx: Context, rec: Recorder) {
    const lacks = nuwaLacks(ctx.nuwa, 'execlineb');
    const root = fs.mkdtempSync(path.join(ctx.scratch, 'execline-'));
    let nuwa: Contender = { lacks, samples: [] };
    let perProgram: Contender = { lacks, samples: [] };
    if (!lacks) {
      const one = binDir(root, 'one', ctx.nuwa.path);
      nuwa = { command: command(one, script(one, path.join(one, 'execlineb'))), samples: [] };
      // a second copy: its path is not this nuwa's, so the chain execs each step instead of running it in-process
      const copy = path.join(root, 'nuwa-copy');
      fs.copyFileSync(ctx.nuwa.path, copy);
      fs.chmodSync(copy, 0o755);
      const each = binDir(root, 'each', ctx.nuwa.path, copy);
      perProgram = { command: command(each, script(each, path.join(each, 'execlineb'))), samples: [] };
    }
    ctx.progress('execline chain: nuwa against execline + s6');
    const [a, b] = await duel(ctx, nuwa, debianSide(root));
    rec.nuwa('execline-chain', a);
    rec.peer('execline-chain', b);
    ctx.progress('execline chain: one process against one nuwa per program');
    const [c, d] = await duel(ctx, { ...nuwa, samples: [] }, perProgram);
    rec.nuwa('execline-chain-per-program', c);
    rec.peer('execline-chain-per-program', d);
  },
};
