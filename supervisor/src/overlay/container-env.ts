/**
 * The container environment: at boot the environment nuwa was started with is dumped as an envdir (one file per
 * variable, the value verbatim) in /run/s6/container_environment. Services and CMD get a minimal environment (PATH
 * only), as under s6-overlay v3; `with-contenv` rebuilds the full one from the dump, and a cont-init script adds a
 * variable for later services by writing a file there.
 * The dump is read as an envdir (wire/envdir.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyEnvdir, readEnvdir } from '../wire/envdir';

/** s6-overlay's PATH: the user's PATH with /command, /usr/bin and /bin added in front when missing. */
export function overlayPath(userPath: string | undefined): string {
  let parts = userPath ? userPath.split(':') : ['/bin'];
  for (const dir of ['/bin', '/usr/bin', '/command']) if (!parts.includes(dir)) parts = [dir, ...parts];
  return parts.join(':');
}

/** Writes `env` as an envdir: `dir` is created (mode 0755) or emptied first. */
export function dumpEnvironment(dir: string, env: NodeJS.ProcessEnv): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  fs.chmodSync(dir, 0o755);
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || name === '' || name.includes('/') || name.startsWith('.')) continue;
    fs.writeFileSync(path.join(dir, name), value, { mode: 0o644 });
  }
}

/**
 * What `with-contenv` gives a program: with S6_KEEP_ENV its own environment unchanged; otherwise an empty
 * environment but PATH (execline's `emptyenv -p`), plus the dump read like `s6-envdir -Lf`.
 */
export function containerEnvironment(own: NodeJS.ProcessEnv, dir: string): NodeJS.ProcessEnv {
  if (keepsEnvironment(own)) return own;
  const base: NodeJS.ProcessEnv = own.PATH === undefined ? {} : { PATH: own.PATH };
  return applyEnvdir(base, readEnvdir(dir, { full: true }));
}

/** `printcontenv NAME`: with S6_KEEP_ENV the variable from our own environment, else from the dump. */
export function printContEnv(name: string, own: NodeJS.ProcessEnv, dir: string): string | undefined {
  if (keepsEnvironment(own)) return own[name];
  if (name === '' || name.includes('/')) return undefined;
  try {
    // s6-overlay's printcontenv is `s6-cat < dir/NAME`: the file exactly as it is.
    return fs.readFileSync(path.join(dir, name), 'utf8');
  } catch {
    return undefined;
  }
}

export function keepsEnvironment(env: NodeJS.ProcessEnv): boolean {
  return /^\d+$/.test(env.S6_KEEP_ENV ?? '') && Number(env.S6_KEEP_ENV) !== 0;
}

/** The environment of the supervision tree, of oneshots and of CMD: PATH only, unless S6_KEEP_ENV. */
export function treeEnvironment(original: NodeJS.ProcessEnv, keepEnv: boolean, pathValue: string): NodeJS.ProcessEnv {
  return keepEnv ? { ...original, PATH: pathValue } : { PATH: pathValue };
}
