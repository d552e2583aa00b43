/**
 * The differential harness for s6-overlay images: one tree boots twice, as PID 1 of fresh namespaces — once with
 * nuwa as /init (test/overlay's boot), once under the real s6-overlay v3.1.5.0 (reference.ts) — and the two runs are
 * compared through what a user can see:
 *  - the journal: one line per thing the tree's scripts did (`echo EVENT >> /tmp/journal`, see `journal()`), in the
 *    order they did it, compared as a partial order: events a test declares `unordered` (what s6-rc may run in
 *    parallel) may come in either order, every other pair must come in the same order in both runs, and both runs
 *    must have the same events (so the same services started, the same scripts ran at stop, with the same
 *    environment when a script journals it);
 *  - the container's exit code.
 * s6-overlay's stop takes S6_KILL_GRACETIME + ~1 s whatever the services do; nuwa's ends when everything has exited
 * (its documented difference): nothing here depends on time, each run is awaited to its end.
 */
import type { ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitFor } from '../helpers';
import { boot, makeRoot, type BootOptions } from '../overlay/harness';
import { referenceDir, referenceUsrLayer, useReferenceOverlay } from './reference';

export type Files = Record<string, string | { content: string; mode: number }>;

export interface Tree {
  /** The image's files, by path: a string starting with `#!` gets mode 0755, any other 0644. */
  files: Files;
  /** CMD (none: the tree must end the container itself, e.g. with `s6-svscanctl -t` or halt). */
  cmd?: string[];
  /** The container's environment, besides PATH and HOME. */
  env?: Record<string, string>;
  /** `docker stop`: SIGTERM to PID 1 once the journal holds this event. */
  stopWhen?: string;
}

export interface Run {
  kind: 'nuwa' | 's6-overlay';
  code: number | null;
  journal: string[];
  output: string;
}

/** A shell line that appends `event` to the journal (for scripts of a tree). */
export function journal(event: string): string {
  return `echo '${event}' >> /tmp/journal`;
}

/** A `#!/bin/sh` script that journals `event`, then runs `rest`. */
export function script(event: string, rest = ''): string {
  return `#!/bin/sh\n${journal(event)}\n${rest}\n`;
}

/** A shell line that waits (20 s at most) until the journal holds a line starting with `event`. */
export function awaitEvent(event: string): string {
  return `n=0; until grep -q '^${event}' /tmp/journal 2>/dev/null || [ $n -gt 400 ]; do sleep 0.05; n=$((n+1)); done`;
}

/**
 * A CMD that runs `first` (shell lines), journals the state (`s6-svstat -o up,ready`, Debian's reader of the status
 * file both supervisors write) of each of `services` under /run/service, then `cmd:exit`, and exits with `code`.
 */
export function stateCmd(services: string[], code = 0, first: string[] = []): string[] {
  const lines = services.map((s) => `echo "state:${s}:$(s6-svstat -o up,ready /run/service/${s} 2>&1)" >> /tmp/journal`);
  return ['/bin/sh', '-c', [...first, ...lines, journal('cmd:exit'), `exit ${code}`].join('\n')];
}

function modes(files: Files): Record<string, { content: string; mode: number }> {
  return Object.fromEntries(
    Object.entries(files).map(([file, v]) => [file, typeof v === 'string' ? { content: v, mode: v.startsWith('#!') ? 0o755 : 0o644 } : v]),
  );
}

/** A deadline for one boot: a hung run must fail the test with what it printed, not hang the suite. */
const BOOT_DEADLINE_MS = 90_000;

async function runOne(kind: Run['kind'], tree: Tree): Promise<Run> {
  const root = makeRoot(undefined, modes(tree.files));
  // What s6-overlay's tarball leaves in an image, and nuwa's base image has too: the user bundles, empty.
  for (const bundle of ['user', 'user2']) {
    const dir = path.join(root, 'etc/s6-overlay/s6-rc.d', bundle);
    fs.mkdirSync(path.join(dir, 'contents.d'), { recursive: true });
    if (!fs.existsSync(path.join(dir, 'type'))) fs.writeFileSync(path.join(dir, 'type'), 'bundle\n');
  }
  const options: BootOptions = { env: { ...tree.env } };
  if (kind === 's6-overlay') {
    useReferenceOverlay(root);
    Object.assign(options, { usrLayer: referenceUsrLayer(), ownInit: true });
  }
  const booted = boot(root, tree.cmd ?? [], options);
  const file = path.join(booted.tmp, 'journal');
  const journalNow = () => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
  if (tree.stopWhen !== undefined) {
    const event = tree.stopWhen;
    await waitFor(`${kind} to journal ${event}`, () => journalNow().includes(event), { timeoutMs: BOOT_DEADLINE_MS });
    process.kill(await booted.hostPid(), 'SIGTERM');
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      booted.process.kill('SIGKILL');
      reject(new Error(`${kind} did not end within ${BOOT_DEADLINE_MS} ms; it printed:\n${booted.output()}`));
    }, BOOT_DEADLINE_MS);
  });
  try {
    const { code, output } = await Promise.race([booted.finished, deadline]);
    return { kind, code, journal: journalNow(), output };
  } finally {
    clearTimeout(timer);
  }
}

/** ava runs a file's tests at once: at most this many comparisons (two boots each) run together, on a shared machine. */
const AT_ONCE = 2;
let running = 0;
const queue: (() => void)[] = [];

/** Boots `tree` under nuwa and under the real s6-overlay (side by side). */
export async function runBoth(tree: Tree): Promise<{ nuwa: Run; ref: Run }> {
  referenceDir(); // fails with one line, before anything boots, when the reference is missing
  if (running >= AT_ONCE) await new Promise<void>((resolve) => queue.push(resolve));
  running++;
  try {
    const [nuwa, ref] = await Promise.all([runOne('nuwa', tree), runOne('s6-overlay', tree)]);
    return { nuwa, ref };
  } finally {
    running--;
    queue.shift()?.();
  }
}

/** `unordered` groups saying `event` may come anywhere relative to each of `others` (and they stay ordered among themselves). */
export function floating(event: string, others: string[]): string[][] {
  return others.map((other) => [event, other]);
}

/** Files of an s6-rc service `name` under /etc/s6-overlay/s6-rc.d: `type` plus `files` (relative to its folder). */
export function rcService(name: string, type: 'oneshot' | 'longrun' | 'bundle', files: Files = {}): Files {
  const dir = `etc/s6-overlay/s6-rc.d/${name}`;
  return { [`${dir}/type`]: `${type}\n`, ...Object.fromEntries(Object.entries(files).map(([f, v]) => [`${dir}/${f}`, v])) };
}

/** A oneshot up/down file (execline, one command line) that journals `event`. */
export function oneshotLine(event: string): string {
  return `/bin/sh -c "${journal(event)}"\n`;
}

/** Journal events numbered by occurrence (`x`, `x#2`, …) so that repeated events compare too. */
function numbered(lines: string[]): string[] {
  const seen = new Map<string, number>();
  return lines.map((line) => {
    const n = (seen.get(line) ?? 0) + 1;
    seen.set(line, n);
    return n === 1 ? line : `${line}#${n}`;
  });
}

/** Pairs ordered one way in `a` and the other way in `b`, except pairs within one `unordered` group. */
export function orderDifferences(a: string[], b: string[], unordered: string[][] = []): string[] {
  const na = numbered(a);
  const nb = numbered(b);
  const where = new Map(nb.map((e, k) => [e, k]));
  const free = (x: string, y: string) =>
    unordered.some((group) => group.includes(x.replace(/#\d+$/, '')) && group.includes(y.replace(/#\d+$/, '')));
  const out: string[] = [];
  for (let i = 0; i < na.length; i++) {
    for (let j = i + 1; j < na.length; j++) {
      const x = na[i] as string;
      const y = na[j] as string;
      const bx = where.get(x);
      const by = where.get(y);
      if (bx === undefined || by === undefined || bx < by || free(x, y)) continue;
      out.push(`${x} before ${y}`);
    }
  }
  return out;
}

function describe(run: Run): string {
  return `--- ${run.kind} (exit ${run.code}) journal:\n${run.journal.join('\n')}\n--- ${run.kind} printed:\n${run.output}`;
}

export interface Allowed {
  /** Groups of events that may come in any order among themselves (what s6-rc may run in parallel). */
  unordered?: string[][];
  /** Events only nuwa has, each a difference docs/s6-overlay.md documents (nuwa deliberately better). */
  nuwaOnly?: string[];
}

/**
 * Asserts the two runs agree: the same events (as multisets), the same order but for `unordered` groups, the same
 * exit code. Each difference is named, with both journals and outputs.
 */
export function assertSame(t: ExecutionContext, runs: { nuwa: Run; ref: Run }, allowed: Allowed = {}): void {
  const { ref } = runs;
  const extra = new Set(allowed.nuwaOnly ?? []);
  const nuwa = { ...runs.nuwa, journal: runs.nuwa.journal.filter((e) => !extra.has(e)) };
  const both = `\n${describe(ref)}\n${describe(runs.nuwa)}`;
  t.deepEqual([...nuwa.journal].sort(), [...ref.journal].sort(), `the same events happened${both}`);
  t.deepEqual(orderDifferences(ref.journal, nuwa.journal, allowed.unordered), [], `s6-overlay's order, nuwa's reversed${both}`);
  t.is(nuwa.code, ref.code, `the same exit code${both}`);
  for (const e of extra) t.true(runs.nuwa.journal.includes(e), `nuwa's documented difference: ${e}${both}`);
}
