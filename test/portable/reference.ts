/**
 * The original programs nuwa's copies are compared with: s6-portable-utils from the real s6-overlay build
 * (S6_OVERLAY_REF, default ../shared/s6-overlay-ref: its rootfs/command), Debian's s6 and execline. A missing one
 * fails the test with the line saying where it was looked for; nothing skips.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NUWA, ROOT } from '../helpers';

export const REF_ROOT = path.resolve(ROOT, process.env.S6_OVERLAY_REF ?? '../shared/s6-overlay-ref');

/** Path of an original program: s6-overlay's /command first, then Debian's s6 (/usr/bin) and execline. */
export function original(name: string): string {
  const candidates = [path.join(REF_ROOT, 'rootfs/command', name), `/usr/bin/${name}`, `/usr/lib/execline/bin/${name}`];
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error(`prerequisite missing: the original ${name} (looked in ${candidates.join(', ')}; set S6_OVERLAY_REF)`);
  return found;
}

export interface Outcome {
  status: number | null;
  stdout: string;
}

interface RunOptions {
  input?: string | Buffer;
  /** One folder for both, or [the original's, nuwa's] when what they do to it is compared. */
  cwd?: string | [string, string];
  env?: NodeJS.ProcessEnv;
}

function outcome(r: SpawnSyncReturns<string>): Outcome {
  // EPIPE: the program exited without reading its input (a usage error), which is its right
  if (r.error && !((r.error as NodeJS.ErrnoException).code === 'EPIPE' && r.status !== null)) throw r.error;
  return { status: r.status, stdout: r.stdout };
}

/** Runs the original `program` (its path `as`) and `nuwa applet`, with the same arguments, input, cwd and environment. */
export function both(program: string, args: readonly string[], options: RunOptions = {}, as = original(program)): [Outcome, Outcome] {
  const common = { input: options.input ?? '', env: options.env ?? process.env, encoding: 'utf8' as const, timeout: 20_000 };
  const [theirCwd, ourCwd] = Array.isArray(options.cwd) ? options.cwd : [options.cwd, options.cwd];
  return [
    outcome(spawnSync(as, args, { ...common, cwd: theirCwd })),
    outcome(spawnSync(NUWA, [program, ...args], { ...common, cwd: ourCwd })),
  ];
}
