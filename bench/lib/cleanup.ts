/**
 * Everything the benchmark starts is registered here and killed on every way out: normal end, an exception,
 * Ctrl-C, SIGTERM. Each child runs in its own process group (spawned detached), so one kill(-pgid) takes the
 * group. Supervision trees live in their own PID namespace behind `unshare --kill-child` under
 * `setpriv --pdeathsig KILL`: killing unshare (or the harness dying, even of SIGKILL) kills the namespace's PID 1,
 * and the kernel then kills everything else in the namespace.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

const groups = new Set<ChildProcess>();
const dirs = new Set<string>();
let installed = false;

export function track(child: ChildProcess): ChildProcess {
  install();
  groups.add(child);
  child.once('exit', () => groups.delete(child));
  return child;
}

/** A scratch directory removed at the end (after every tracked process is dead). */
export function trackDir(dir: string): string {
  install();
  dirs.add(dir);
  return dir;
}

export function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

export function killAll(): void {
  for (const child of groups) killGroup(child);
  groups.clear();
}

/** Kills everything and waits (at most `ms`) until Node has reaped it, so nothing is left as a zombie. */
async function killAllAndWait(ms: number): Promise<void> {
  const children = [...groups];
  const exits = children.map((c) =>
    c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', r)),
  );
  killAll();
  await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, ms))]);
}

function removeDirs(): void {
  for (const dir of dirs) {
    try {
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch (err) {
      process.stderr.write(`bench: could not remove scratch dir ${dir}: ${(err as Error).message}\n`);
    }
  }
  dirs.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    killAll();
    removeDirs();
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}: stopping everything it started\n`);
      void killAllAndWait(2000).then(() => {
        removeDirs();
        process.exit(130);
      });
    });
  }
}
