/**
 * The whole service tree s6-overlay's stage 2 compiles: the user's s6-rc source directories plus s6-overlay's own
 * services (PKG/etc/s6-rc/sources):
 *   top = {base, user, legacy-services, user2}    base = {fix-attrs, legacy-cont-init}
 *   fix-attrs (oneshot) · legacy-cont-init (oneshot, needs fix-attrs; up: cont-init.d, down: cont-finish.d)
 *   legacy-services (oneshot, needs base and user; up: services.d up, down: services.d down)
 *   user, user2: bundles the image fills through contents.d (in s6-rc.d/ or user-bundles.d/).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { planCommandLine } from '../rc/command-line';
import { buildGraph, type Graph } from '../rc/graph';
import type { ConfigDirs } from './paths';
import { Problems } from '../rc/problems';
import { readSources, type InternalStep, type ServiceDefinition } from '../rc/source';

export const BUILTIN_DIR = '(s6-overlay built-in)';
/** The bundle stage 2 brings up. */
export const TOP = 'top';
const USER_BUNDLES = new Set(['user', 'user2']);

function builtin(name: string, type: ServiceDefinition['type'], extra: Partial<ServiceDefinition> = {}): ServiceDefinition {
  return {
    name,
    type,
    dir: path.join(BUILTIN_DIR, name),
    contents: [],
    dependencies: [],
    timeoutUp: 0,
    timeoutDown: 0,
    essential: false,
    consumerFor: [],
    notifies: false,
    ...extra,
  };
}

function internal(name: InternalStep, dependencies: string[]): ServiceDefinition {
  return builtin(name, 'oneshot', { internal: name, dependencies });
}

export function builtinDefinitions(): ServiceDefinition[] {
  return [
    builtin('top', 'bundle', { contents: ['base', 'user', 'legacy-services', 'user2'] }),
    builtin('base', 'bundle', { contents: ['fix-attrs', 'legacy-cont-init'] }),
    internal('fix-attrs', []),
    internal('legacy-cont-init', ['fix-attrs']),
    internal('legacy-services', ['base', 'user']),
  ];
}

export interface Tree {
  defs: Map<string, ServiceDefinition>;
  graph: Graph;
  problems: Problems;
  /** The source directories that were read, in order. */
  sources: string[];
  /** Services defined in those directories but unusable (their problems are reported). */
  invalid: Set<string>;
}

/**
 * Reads the user's source directories and s6-overlay's built-ins into one graph. The pre-3.2.3.2 layout (user and
 * user2 defined in s6-rc.d/) and the newer one (user-bundles.d/) both work; when both define a user bundle, the
 * contents are merged.
 */
export function loadTree(dirs: ConfigDirs, execlineb: string | undefined, root?: string): Tree {
  const problems = new Problems();
  const sources = [dirs.rcSource, dirs.bundles].filter((d, k, all) => all.indexOf(d) === k);
  const invalid = new Set<string>();
  const defs = readSources(sources, problems, USER_BUNDLES, root, invalid);
  for (const def of builtinDefinitions()) {
    const mine = defs.get(def.name);
    if (mine) problems.error(mine.dir, `'${def.name}' is one of s6-overlay's own services and cannot be redefined: rename yours`);
    defs.set(def.name, def);
  }
  for (const name of USER_BUNDLES) if (!defs.has(name)) defs.set(name, builtin(name, 'bundle'));
  checkCommandLines(defs, execlineb, problems);
  const graph = buildGraph(defs, problems, invalid);
  return { defs, graph, problems, sources: sources.filter((d) => fs.existsSync(d)), invalid };
}

/** Oneshot up/down files that cannot run (shell scripts, unreadable lines), found before booting. */
function checkCommandLines(defs: Map<string, ServiceDefinition>, execlineb: string | undefined, problems: Problems): void {
  for (const def of defs.values()) {
    if (def.type !== 'oneshot' || def.internal) continue;
    for (const which of ['up', 'down'] as const) {
      const text = def[which];
      if (text === undefined) continue;
      const file = path.join(def.dir, which);
      const plan = planCommandLine(text, file, execlineb);
      if (plan.kind === 'refused') problems.error(file, plan.reason, def.name);
    }
  }
}
