/** Helpers for the host-side tests: nuwa-host through the real executable, a sandbox host, bin/ scripts run for real. */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONTAINERS_CONF, ROOT, nuwaBinary, removeTree, tempDir, toolTmpdir } from '../helpers';

export const TEMPLATES = path.join(ROOT, 'host-cli/templates');
export const BIN_TEMPLATES = path.join(TEMPLATES, 'bin');

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function ran(r: SpawnSyncReturns<string>): Ran {
  if (r.error) throw r.error;
  return { code: r.status ?? 128 + 1, stdout: r.stdout, stderr: r.stderr };
}

let snapshot: string | undefined;

/**
 * A private copy of dist/nuwa, made once per test process: nuwa-host copies the executable it runs as into images
 * as /init, and other work in the same tree may rebuild dist/nuwa while these tests run.
 */
export function nuwaSnapshot(): string {
  if (!snapshot) {
    snapshot = path.join(scratchDir('nuwa-t7-exe-'), 'nuwa');
    fs.copyFileSync(nuwaBinary(), snapshot);
    fs.chmodSync(snapshot, 0o755);
  }
  return snapshot;
}

const scratch: string[] = [];

/** A scratch folder that cleanup() removes (and, should cleanup never run, the test process's exit: see tempDir). */
export function scratchDir(prefix: string): string {
  const dir = tempDir(prefix);
  scratch.push(dir);
  return dir;
}

/** Removes the snapshot and every sandbox host made in this test process (call it from test.after.always). */
export function cleanup(): void {
  snapshot = undefined;
  for (const dir of scratch.splice(0)) removeTree(dir);
}

/** `nuwa nuwa-host ARGS` (the snapshot) with podman's settings for these machines. */
export function nuwaHost(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Ran {
  return ran(
    spawnSync(nuwaSnapshot(), ['nuwa-host', ...args], {
      cwd: options.cwd,
      // The snapshot lives outside the checkout, so tell it where layers/ and host-cli/templates/ are.
      // TMPDIR: what a killed build leaves (nuwa-iid-*, nuwa-labels-*) goes with this test process.
      env: { ...process.env, CONTAINERS_CONF, NUWA_SHARE: ROOT, TMPDIR: toolTmpdir(), ...options.env },
      encoding: 'utf8',
      timeout: options.timeoutMs ?? 15 * 60_000,
      maxBuffer: 256 * 1024 * 1024,
    }),
  );
}

/** A bash command line, as a user types it, in `cwd`. */
export function bash(script: string, cwd: string, env: NodeJS.ProcessEnv = {}): Ran {
  return ran(
    spawnSync('bash', ['-c', script], {
      cwd,
      env: { ...process.env, CONTAINERS_CONF, TMPDIR: toolTmpdir(), ...env },
      encoding: 'utf8',
      timeout: 5 * 60_000,
    }),
  );
}

export interface SandboxHost {
  root: string;
  hostConf: string;
  monitrc: string;
  systemdDir: string;
  monitDir: string;
  /** Environment every bin/ script of this host runs with. */
  env: NodeJS.ProcessEnv;
}

/** `nuwa-host init --prefix` in a scratch folder: a host initialised for nuwa without touching /etc. */
export function sandboxHost(monitInterval = 1): SandboxHost {
  const root = scratchDir('nuwa-t7-host-');
  const r = nuwaHost(['init', '--prefix', root, '--monit-interval', String(monitInterval)]);
  if (r.code !== 0) throw new Error(`nuwa-host init --prefix failed: ${r.stderr}`);
  const hostConf = path.join(root, 'etc/nuwa/host.env');
  return {
    root,
    hostConf,
    monitrc: path.join(root, 'etc/monit/monitrc'),
    systemdDir: path.join(root, 'etc/systemd/system'),
    monitDir: path.join(root, 'etc/monit/conf.d'),
    env: { NUWA_HOST_CONF: hostConf, CONTAINERS_CONF },
  };
}

/** An app folder with bin/ copied straight from the templates (no image needed) and the given nuwa.env. */
export function appFolder(parent: string, name: string, nuwaEnv = 'NUWA_IMAGE=localhost/nuwa-t7-none:latest\nNUWA_PORT=18099\n'): string {
  const dir = path.join(parent, name);
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  for (const f of fs.readdirSync(BIN_TEMPLATES)) {
    fs.copyFileSync(path.join(BIN_TEMPLATES, f), path.join(dir, 'bin', f));
    fs.chmodSync(path.join(dir, 'bin', f), fs.statSync(path.join(BIN_TEMPLATES, f)).mode);
  }
  fs.writeFileSync(path.join(dir, 'nuwa.env'), nuwaEnv);
  return dir;
}

/** Every path under `dir` (relative), to show a failed command left nothing behind. */
export function listTree(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}
