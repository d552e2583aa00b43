/**
 * Who is measured: nuwa (dist/nuwa, the one executable users ship) and its peers from Debian's packages (s6, tini,
 * dumb-init). A subject that is not there yet is reported as "not available: why", never given a number.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const NUWA = path.join(ROOT, 'dist/nuwa');

export interface NuwaInfo {
  path: string;
  version: string;
  /** Applets listed by `nuwa --help`. */
  applets: Set<string>;
  /** Why nuwa cannot be measured at all, if so. */
  missing?: string;
}

/**
 * nuwa as built now, copied into the run's scratch dir: a rebuild of dist/nuwa during a long run (other work in the
 * tree does that) must not swap the program under test half-way.
 */
export function nuwaInfo(scratch: string): NuwaInfo {
  if (!fs.existsSync(NUWA)) return { path: NUWA, version: '', applets: new Set(), missing: `${NUWA} is missing (run "npm run build")` };
  const copy = path.join(scratch, 'nuwa'); // same basename: nuwa dispatches on the name it is called by
  fs.copyFileSync(NUWA, copy);
  fs.chmodSync(copy, 0o755);
  const help = spawnSync(copy, ['--help'], { encoding: 'utf8', timeout: 10_000 });
  const applets = new Set<string>();
  let inList = false;
  for (const line of help.stdout.split('\n')) {
    if (line.startsWith('applets:')) inList = true;
    else if (inList && /^ {2}\S/.test(line)) applets.add(line.trim().split(/\s+/)[0] as string);
    else if (inList && line.trim() === '') inList = false;
  }
  const version = spawnSync(copy, ['--version'], { encoding: 'utf8', timeout: 10_000 }).stdout.trim();
  return { path: copy, version, applets };
}

/** Why `applet` cannot be measured yet, or undefined when it can. */
export function nuwaLacks(info: NuwaInfo, applet: string): string | undefined {
  if (info.missing) return info.missing;
  if (!info.applets.has(applet)) return `nuwa has no '${applet}' applet yet (not in \`nuwa --help\`)`;
  return undefined;
}

/** Where `command` is installed: Debian's own copy (/usr/bin, /bin), else whatever PATH finds. */
export function which(command: string): string | undefined {
  for (const dir of ['/usr/bin', '/bin']) {
    const file = path.join(dir, command);
    if (fs.existsSync(file) && !fs.realpathSync(file).endsWith('/nuwa')) return file;
  }
  const found = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command], { encoding: 'utf8' });
  const where = found.stdout.trim();
  return found.status === 0 && where !== '' ? where : undefined;
}

/** Why a Debian peer cannot be measured, or undefined. */
export function peerLacks(command: string, debianPackage: string): string | undefined {
  return which(command) ? undefined : `'${command}' is not installed (apt-get install ${debianPackage})`;
}

export function debianVersion(pkg: string): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Version}', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return 'not installed';
  }
}

/** A supervision tree's scanner: Debian's s6-svscan (with one s6-supervise per service) or `nuwa svscan`. */
export type SupervisorKind = 's6' | 'nuwa';

export interface Supervisor {
  kind: SupervisorKind;
  /** How the table names it. */
  label: string;
  /** Why it cannot run, or undefined. */
  lacks: string | undefined;
  scan(dir: string): string[];
  /** The supervisor's own svc (s6-svc for s6, `nuwa svc` for nuwa). */
  svc(args: string[], dir: string): string[];
  svstat(dir: string): string[];
  /** Executables that make up the supervision tree (everything else below PID 1 is a service). */
  treeExes: Set<string>;
}

function realpath(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return fs.realpathSync(file);
  } catch {
    return undefined;
  }
}

export function supervisor(kind: SupervisorKind, info: NuwaInfo): Supervisor {
  if (kind === 's6') {
    const exes = [realpath(which('s6-svscan')), realpath(which('s6-supervise'))].filter((x): x is string => x !== undefined);
    // Absolute paths: nuwa answers to the s6 names through symlinks, and a PATH holding those must not swap the peer.
    const tool = (name: string) => which(name) ?? name;
    return {
      kind,
      label: 's6-svscan',
      lacks: peerLacks('s6-svscan', 's6') ?? peerLacks('s6-svc', 's6'),
      scan: (dir) => [tool('s6-svscan'), dir],
      svc: (args, dir) => [tool('s6-svc'), ...args, dir],
      svstat: (dir) => [tool('s6-svstat'), dir],
      treeExes: new Set(exes),
    };
  }
  return {
    kind,
    label: 'nuwa svscan',
    lacks: nuwaLacks(info, 'svscan'),
    scan: (dir) => [info.path, 'svscan', dir],
    svc: (args, dir) => [info.path, 'svc', ...args, dir],
    svstat: (dir) => [info.path, 'svstat', dir],
    treeExes: new Set([realpath(info.path) ?? info.path]),
  };
}

/** A tini-style init running one main program: `nuwa init`, tini or dumb-init. */
export interface Init {
  label: string;
  lacks: string | undefined;
  command(main: string[]): string[];
}

export function inits(info: NuwaInfo): { nuwa: Init; tini: Init; dumbInit: Init } {
  return {
    nuwa: { label: 'nuwa init', lacks: nuwaLacks(info, 'init'), command: (main) => [info.path, 'init', '--', ...main] },
    tini: { label: 'tini', lacks: peerLacks('tini', 'tini'), command: (main) => [which('tini') ?? 'tini', '--', ...main] },
    dumbInit: {
      label: 'dumb-init',
      lacks: peerLacks('dumb-init', 'dumb-init'),
      command: (main) => [which('dumb-init') ?? 'dumb-init', ...main],
    },
  };
}
