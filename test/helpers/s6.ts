/**
 * Helpers for tests that run a supervision tree: service directories, a scanner (Debian's real `s6-svscan` or
 * `nuwa svscan`) in a scratch scan dir, and the real s6 tools as observers.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { descendants as descendantsOf } from '../../supervisor/src/sys/process-tree';
import { nuwaBinary, requireCommand, waitFor } from './index';

export type ScannerKind = 's6' | 'nuwa';
export const SCANNER_KINDS: readonly ScannerKind[] = ['s6', 'nuwa'];

export interface ServiceSpec {
  /** Body of `run` (a shebang is added when missing). */
  run: string;
  finish?: string;
  /** Other files beside run (`down`, `notification-fd`, `timeout-finish`, …): name → content. */
  files?: Record<string, string>;
  /** A logger: `log/run` body. */
  log?: string;
}

function script(body: string): string {
  return body.startsWith('#!') ? body : `#!/bin/sh\n${body}\n`;
}

/** Writes a service directory `scandir/name` (or anywhere: `dir` may be any path). */
export function writeService(dir: string, spec: ServiceSpec): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'run'), script(spec.run), { mode: 0o755 });
  if (spec.finish !== undefined) fs.writeFileSync(path.join(dir, 'finish'), script(spec.finish), { mode: 0o755 });
  for (const [name, content] of Object.entries(spec.files ?? {})) fs.writeFileSync(path.join(dir, name), content);
  if (spec.log !== undefined) writeService(path.join(dir, 'log'), { run: spec.log });
  return dir;
}

export interface Scanner {
  kind: ScannerKind;
  scandir: string;
  process: ChildProcess;
  /** What the scanner and its services (those without a logger) wrote on stdout and stderr so far. */
  output(): string;
  /** Every live process below the scanner, supervisors included. */
  tree(): number[];
  /** `s6-svscanctl -t`, then waits for the scanner to exit (kills whatever is left after the deadline). */
  stop(): Promise<void>;
}

/** Starts a scanner on `scandir` and waits until its control FIFO accepts commands. */
/** `prefix`: a command that execs the scanner (e.g. `prlimit --nofile=64:64 --`), so its pid is still the scanner's. */
export async function startScanner(
  kind: ScannerKind,
  scandir: string,
  env: NodeJS.ProcessEnv = {},
  prefix: string[] = [],
): Promise<Scanner> {
  requireCommand('s6-svscanctl', 's6');
  const [scanFile, scanArgs] = kind === 's6' ? [requireCommand('s6-svscan', 's6'), [scandir]] : [nuwaBinary(), ['svscan', scandir]];
  const [file, ...args] = [...prefix, scanFile, ...scanArgs] as [string, ...string[]];
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString('latin1')));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString('latin1')));
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (err) => {
      output += `cannot start ${file}: ${err.message}\n`;
      resolve();
    });
  });
  let gone = false;
  void exited.then(() => (gone = true));
  const scanner: Scanner = {
    kind,
    scandir,
    process: child,
    output: () => output,
    tree: () => descendantsOf(child.pid as number),
    async stop() {
      if (gone) {
        child.stdout?.destroy();
        child.stderr?.destroy();
        return;
      }
      const leftovers = new Set(scanner.tree());
      spawnSync('s6-svscanctl', ['-t', scandir]);
      const deadline = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 15_000).unref());
      if ((await Promise.race([exited, deadline])) === 'late') {
        for (const pid of scanner.tree()) leftovers.add(pid);
        child.kill('SIGKILL');
      }
      for (const pid of leftovers) {
        try {
          process.kill(pid, 'SIGKILL'); // a service that outlived its scanner must not outlive the test
        } catch {
          // already gone: the normal case
        }
      }
      // An orphan that inherited the scanner's stdout would keep these pipes, and the test process, alive.
      child.stdout?.destroy();
      child.stderr?.destroy();
    },
  };
  try {
    await waitFor(`${kind} scanner on ${scandir} to accept commands (output so far: ${output.trim()})`, () => {
      if (gone) throw new Error(`${kind} scanner exited: ${output.trim()}`);
      return spawnSync('s6-svscanctl', [scandir]).status === 0;
    });
  } catch (err) {
    await scanner.stop();
    throw err;
  }
  return scanner;
}

/** Real `s6-svstat -o FIELDS dir`, split into a record. */
export function svstatFields(dir: string, fields: readonly string[]): Record<string, string> {
  // stderr piped, not inherited: a wait that polls while no supervisor runs yet would fill the test log with it
  // (execFileSync's error still carries it)
  const out = execFileSync('s6-svstat', ['-o', fields.join(','), dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    .trim()
    .split(' ');
  return Object.fromEntries(fields.map((f, i) => [f, out[i] ?? '']));
}

/** Whether the real `s6-svok` says a supervisor runs `dir`. */
export function s6svok(dir: string): boolean {
  return spawnSync('s6-svok', [dir]).status === 0;
}

export function run(file: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}) {
  const r = spawnSync(file, args, { encoding: 'utf8', env: { ...process.env, ...options.env }, input: options.input, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', signal: r.signal };
}

/** Waits until the real s6-svstat reports `up` (true/false) for `dir`. */
export function waitUp(dir: string, up: boolean, what = `${dir} ${up ? 'up' : 'down'}`): Promise<boolean> {
  return waitFor(what, () => s6svok(dir) && svstatFields(dir, ['up'])['up'] === String(up));
}
