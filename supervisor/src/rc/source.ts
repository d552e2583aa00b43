/**
 * s6-rc's source format (s6-rc-compile.html), read from one or more source directories: one subdirectory per
 * service, with a `type` file (oneshot, longrun, bundle) and the files that type uses. Dot-entries are ignored;
 * a name used twice, an unknown type or a missing mandatory file is a problem, never a silent skip.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readUint } from '../wire/servicedir';
import { checkExecutable, hasCrlf } from './executable';
import type { Problems } from './problems';

export type ServiceType = 'oneshot' | 'longrun' | 'bundle';

export interface ServiceDefinition {
  name: string;
  type: ServiceType;
  /** The definition directory (for a bundle defined in several places, the first one). */
  dir: string;
  /** Bundle members (contents.d or contents). */
  contents: string[];
  /** Direct dependencies of an atomic service (dependencies.d or dependencies). */
  dependencies: string[];
  /** ms; 0 = wait forever. */
  timeoutUp: number;
  timeoutDown: number;
  /** flag-essential: not stopped by the ordered shutdown (it goes down with the final SIGTERM). */
  essential: boolean;
  /** Oneshot command lines (file contents; empty = nothing to do). */
  up?: string;
  down?: string;
  /** Longrun pipeline links. */
  producerFor?: string;
  consumerFor: string[];
  pipelineName?: string;
  /** Longrun with a notification-fd file: "up" means ready. */
  notifies: boolean;
  /** One of s6-overlay's own oneshots, carried out by nuwa itself. */
  internal?: InternalStep;
}

export type InternalStep = 'fix-attrs' | 'legacy-cont-init' | 'legacy-services';

/** s6-rc-compile's naming rules. */
export function nameProblem(name: string): string | undefined {
  if (name.includes('\n')) return 'a service name cannot contain a newline';
  if (name.startsWith('s6rc-') || name.startsWith('s6-rc-')) return `the prefixes s6rc- and s6-rc- are reserved (service '${name}')`;
  return undefined;
}

/** Names listed in `dir/<base>.d/` (empty files) or, deprecated, one per line in `dir/<base>`. */
function readNameList(dir: string, base: 'contents' | 'dependencies'): string[] | undefined {
  const listDir = path.join(dir, `${base}.d`);
  const names = new Set<string>();
  let found = false;
  if (isDir(listDir)) {
    found = true;
    for (const name of fs.readdirSync(listDir)) if (!name.startsWith('.')) names.add(name);
  }
  const listFile = path.join(dir, base);
  if (isFile(listFile)) {
    found = true;
    for (const line of fs.readFileSync(listFile, 'utf8').split('\n')) {
      const name = line.replace(/^[ \t]+/, ''); // s6-rc: leading whitespace ignored, trailing kept
      if (name !== '' && !name.startsWith('#')) names.add(name);
    }
  }
  return found ? [...names].sort() : undefined;
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function timeout(dir: string, file: string, problems: Problems, name: string): number {
  const setting = readUint(dir, file);
  if (setting.kind === 'value') return setting.value;
  if (setting.kind === 'invalid')
    problems.error(path.join(dir, file), `must hold a number of milliseconds, not ${JSON.stringify(setting.text)}`, name);
  return 0;
}

/** Reads one service definition directory. Returns undefined when it is unusable (the reason is in `problems`). */
export function readDefinition(
  dir: string,
  name: string,
  problems: Problems,
  options: { impliedBundle?: boolean; root?: string } = {},
): ServiceDefinition | undefined {
  const typeFile = path.join(dir, 'type');
  const typeText = readText(typeFile);
  let type: ServiceType;
  if (typeText === undefined) {
    if (!options.impliedBundle) {
      problems.error(typeFile, 'is missing: every s6-rc service needs a type file holding oneshot, longrun or bundle', name);
      return undefined;
    }
    type = 'bundle';
  } else {
    const word = typeText.trim();
    if (word !== 'oneshot' && word !== 'longrun' && word !== 'bundle') {
      const crlf = typeText.includes('\r') ? ' (the file has Windows CRLF line endings)' : '';
      problems.error(typeFile, `unknown type ${JSON.stringify(word)}${crlf}: expected oneshot, longrun or bundle`, name);
      return undefined;
    }
    type = word;
  }
  const def: ServiceDefinition = {
    name,
    type,
    dir,
    contents: [],
    dependencies: [],
    timeoutUp: 0,
    timeoutDown: 0,
    essential: fs.existsSync(path.join(dir, 'flag-essential')),
    consumerFor: [],
    notifies: false,
  };
  if (type === 'bundle') {
    const contents = readNameList(dir, 'contents');
    if (contents === undefined && !options.impliedBundle) {
      problems.warn(path.join(dir, 'contents.d'), `bundle '${name}' has no contents.d: it is empty`);
    }
    def.contents = contents ?? [];
    return def;
  }
  def.dependencies = readNameList(dir, 'dependencies') ?? [];
  def.timeoutUp = timeout(dir, 'timeout-up', problems, name);
  def.timeoutDown = timeout(dir, 'timeout-down', problems, name);
  if (type === 'oneshot') {
    const up = readText(path.join(dir, 'up'));
    if (up === undefined) {
      problems.error(path.join(dir, 'up'), 'is missing: a oneshot needs an up file (a command line, e.g. the path of a script)', name);
      return undefined;
    }
    def.up = up;
    def.down = readText(path.join(dir, 'down'));
    for (const file of ['up', 'down']) {
      const p = path.join(dir, file);
      if (isFile(p) && hasCrlf(p))
        problems.error(p, 'has Windows (CRLF) line endings: the \\r ends up in the command line; convert it with dos2unix', name);
    }
    return def;
  }
  return readLongrun(def, problems, options.root) ? def : undefined;
}

/** The longrun half of readDefinition: run (and finish) must be usable; fills `def` with the rest. False when unusable. */
function readLongrun(def: ServiceDefinition, problems: Problems, root: string | undefined): boolean {
  const { dir, name } = def;
  const run = path.join(dir, 'run');
  if (!fs.existsSync(run)) {
    problems.error(run, 'is missing: a longrun needs an executable run file', name);
    return false;
  }
  // s6-rc-compile copies run and finish with mode 0755 and asks only for a regular file: many public trees are
  // committed 100644, and s6-overlay runs them.
  if (!checkExecutable(run, problems, name, root, { runAs0755: true })) return false;
  const finish = path.join(dir, 'finish');
  if (fs.existsSync(finish)) checkExecutable(finish, problems, name, root, { runAs0755: true });
  const notification = readUint(def.dir, 'notification-fd');
  if (notification.kind === 'invalid')
    problems.error(
      path.join(def.dir, 'notification-fd'),
      `must hold a file descriptor number, not ${JSON.stringify(notification.text)}`,
      name,
    );
  def.notifies = notification.kind === 'value';
  const producerFor = readText(path.join(dir, 'producer-for'));
  if (producerFor !== undefined) def.producerFor = producerFor.split('\n')[0]?.trim() || undefined;
  const consumerFor = readText(path.join(dir, 'consumer-for'));
  if (consumerFor !== undefined)
    def.consumerFor = consumerFor
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
  const pipelineName = readText(path.join(dir, 'pipeline-name'));
  if (pipelineName !== undefined) def.pipelineName = pipelineName.split('\n')[0]?.trim() || undefined;
  if (isDir(path.join(dir, 'log'))) {
    problems.warn(
      path.join(dir, 'log'),
      's6-rc ignores a log/ subdirectory: declare the logger as its own longrun with consumer-for, and producer-for here',
    );
  }
  return true;
}

/**
 * Reads every service of the source directories `dirs` (missing directories are skipped). Bundles named in
 * `mergeableBundles` (s6-overlay's `user` and `user2`) may be defined in several directories, and without a type
 * file: their contents are merged. Any other name defined twice is a problem.
 */
export function readSources(
  dirs: readonly string[],
  problems: Problems,
  mergeableBundles: ReadonlySet<string> = new Set(),
  root?: string,
  /** Receives the names of services that are defined but unusable (their problem is already reported). */
  invalid: Set<string> = new Set(),
): Map<string, ServiceDefinition> {
  const services = new Map<string, ServiceDefinition>();
  for (const sourceDir of dirs) {
    if (!isDir(sourceDir)) continue;
    for (const name of fs.readdirSync(sourceDir).sort()) {
      if (name.startsWith('.')) continue;
      const dir = path.join(sourceDir, name);
      if (!isDir(dir)) continue; // s6-rc-compile ignores what is not a directory
      const bad = nameProblem(name);
      if (bad) {
        problems.error(dir, bad, name);
        invalid.add(name);
        continue;
      }
      const mergeable = mergeableBundles.has(name);
      const def = readDefinition(dir, name, problems, { impliedBundle: mergeable, root });
      if (!def) {
        invalid.add(name);
        continue;
      }
      const previous = services.get(name);
      if (previous) {
        if (mergeable && previous.type === 'bundle' && def.type === 'bundle') {
          previous.contents = [...new Set([...previous.contents, ...def.contents])].sort();
          continue;
        }
        problems.error(dir, `service '${name}' is also defined in ${previous.dir}: names must be unique`, name);
        continue;
      }
      if (mergeable && def.type !== 'bundle') {
        problems.error(path.join(dir, 'type'), `'${name}' is s6-overlay's ${name} bundle and must have type bundle`, name);
        continue;
      }
      services.set(name, def);
    }
  }
  return services;
}
