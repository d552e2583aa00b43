/** Shared test helpers: where the executable is, waiting on conditions, prerequisites that fail loudly. */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { descendants } from '../../supervisor/src/sys/process-tree';

export const ROOT = path.resolve(__dirname, '../..');
/** The single executable under test (built by `npm run build`, which `npm test` runs first). */
export const NUWA = path.join(ROOT, 'dist/nuwa');
export const CONTAINERS_CONF = path.join(ROOT, 'test/fixtures/containers.conf');

export function nuwaBinary(): string {
  if (!fs.existsSync(NUWA)) throw new Error(`${NUWA} is missing: run "npm run build" (npm test does it)`);
  return NUWA;
}

/** Fails (never skips) when a program the test needs is not installed. */
export function requireCommand(command: string, debianPackage = command): string {
  const found = spawnSync('sh', ['-c', `command -v "$1"`, 'sh', command], { encoding: 'utf8' });
  const where = found.stdout.trim();
  if (found.status !== 0 || where === '') {
    throw new Error(`prerequisite missing: '${command}' (apt-get install ${debianPackage}; .ci/run installs it)`);
  }
  return where;
}

/**
 * SIGKILLs `pid` and everything below it (listed before any kill, so that nothing is re-parented away first): what a
 * failed test left must not outlive it, nor hold its pipes.
 */
export function killTree(pid: number): void {
  for (const each of [pid, ...descendants(pid)]) {
    try {
      process.kill(each, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

export function tempDir(prefix = 'nuwa-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/** Polls `check` until it returns a truthy value; fails with `what` after the (generous) deadline. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      last = undefined; // an error from an earlier try no longer describes what is wrong
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 25));
  }
}

/** Environment for podman on these machines (runc, explicit ulimits). */
export function podmanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, CONTAINERS_CONF, ...extra };
}

export function podman(args: string[], options: { input?: string } = {}): string {
  return execFileSync('podman', args, { env: podmanEnv(), encoding: 'utf8', input: options.input, stdio: ['pipe', 'pipe', 'pipe'] });
}
