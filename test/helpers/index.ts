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

/**
 * Temporary files and folders of this test process (one ava worker = one test file), removed when the process exits
 * however its tests ended: passed, failed, or timed out. Exit comes after every `test.after.always` hook, so whatever
 * those kill (PID namespaces, scanners) or remove (podman containers using a folder as a volume) is gone by then; a
 * mount inside a test's private mount namespace vanished with it. Set NUWA_TEST_KEEP_TMP=1 to keep them for a look
 * (they are listed on stderr). `npm test` ends with scripts/tmp-check.js, which names whatever is left in the temp dir.
 */
const removeAtExit = new Set<string>();

/** Registers `file` (a file or a folder, existing or not yet) for removal when this test process exits. */
export function removeOnExit<T extends string>(file: T): T {
  removeAtExit.add(path.resolve(file));
  return file;
}

/** A fresh folder in the temp dir (mode 0700, `prefix` + 6 random characters), removed when this test process exits. */
export function tempDir(prefix = 'nuwa-test-'): string {
  return removeOnExit(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

let toolTmp: string | undefined;

/**
 * TMPDIR for the programs tests run that make temporary files of their own (nuwa-host build's nuwa-iid-*, the bin/
 * scripts' mktemp, borg, the benchmark's scratch folder): a program killed half-way (a timeout, a failed test) leaves
 * them behind, so they go in one folder of this test process (mode 1777, as /tmp), removed when it exits.
 */
export function toolTmpdir(): string {
  if (!toolTmp) {
    toolTmp = tempDir('nuwa-tooltmp-');
    fs.chmodSync(toolTmp, 0o1777);
  }
  return toolTmp;
}

/** Mount points at or below `dir` in this process's mount namespace (a recursive removal would cross into them). */
function mountsUnder(target: string): string[] {
  let dir = target;
  try {
    dir = fs.realpathSync(target);
  } catch {
    // gone: nothing can be mounted there
  }
  let table: string;
  try {
    table = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const unescape = (field: string) => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
  return table
    .split('\n')
    .map((line) => unescape(line.split(' ')[4] ?? ''))
    .filter((mountPoint) => mountPoint === dir || mountPoint.startsWith(`${dir}/`));
}

/** Gives the owner rwx on every folder under `dir` (symlinks never followed), for a tree a test made read-only. */
function makeWritable(dir: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch {
    return;
  }
  if (!st.isDirectory()) return;
  try {
    if ((st.mode & 0o700) !== 0o700) fs.chmodSync(dir, (st.mode & 0o7777) | 0o700);
    for (const entry of fs.readdirSync(dir)) makeWritable(path.join(dir, entry));
  } catch {
    // not ours to change (another uid's, as non-root): the removal says what is left
  }
}

/**
 * Removes `target` and everything below it: files of other uids, FIFOs, read-only folders (made writable first) and
 * all. Never crosses a mount point: a tree with something mounted below it is left alone, and the error says where.
 */
export function removeTree(target: string): void {
  const dir = path.resolve(target);
  const mounted = mountsUnder(dir);
  if (mounted.length > 0) throw new Error(`left alone, a removal would cross into what is mounted on ${mounted.join(', ')}`);
  const remove = () => fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  try {
    remove();
  } catch {
    makeWritable(dir);
    remove();
  }
}

function removeRegistered(): void {
  const keep = process.env.NUWA_TEST_KEEP_TMP;
  for (const file of removeAtExit) {
    if (keep && keep !== '0') {
      if (fs.existsSync(file)) process.stderr.write(`kept (NUWA_TEST_KEEP_TMP): ${file}\n`);
      continue;
    }
    try {
      removeTree(file);
    } catch (err) {
      process.stderr.write(`could not remove ${file}: ${(err as Error).message}\n`);
    }
  }
  removeAtExit.clear();
}

process.on('exit', removeRegistered);
// ava ends a worker that timed out (or on Ctrl-C) with a signal, which skips 'exit' and the after.always hooks: kill
// what the worker started (so that nothing writes into the folders any more), remove them, then die of the signal.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.once(signal, () => {
    for (const pid of descendants()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    removeRegistered();
    process.kill(process.pid, signal);
  });
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
