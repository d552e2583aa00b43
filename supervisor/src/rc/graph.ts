/**
 * The dependency graph s6-rc compiles: bundles resolve to atomic services, every atomic service gets its direct
 * dependencies as atoms, pipelines are checked and turned into dependencies (a producer depends on its consumer, so
 * the logger is up before anything writes to it, and is stopped after). Cycles and missing services are reported
 * with the names involved; a broken service is dropped together with everything that needs it, and the rest boots.
 */
import * as path from 'node:path';
import type { Problems } from './problems';
import type { ServiceDefinition } from './source';

export interface Atom {
  def: ServiceDefinition;
  /** Atoms this one needs up before it starts. */
  needs: Set<string>;
  /** The needs named directly (not through a bundle): if one cannot start, neither can this one. */
  direct: Set<string>;
  /** For a pipeline member: the consumer whose stdin receives our stdout. */
  pipeTo?: string;
  /** For a consumer: it reads the pipe named after itself. */
  pipeFrom: boolean;
}

export interface Graph {
  atoms: Map<string, Atom>;
  /** Bundle name → the atoms it stands for. */
  bundles: Map<string, Set<string>>;
}

/** An undefined name, with the bundle whose contents.d names it (none: the name expanded was itself undefined). */
interface Missing {
  name: string;
  in?: ServiceDefinition;
}

/** Atoms a name stands for (itself, or a bundle's members, recursively). Unknown names come back in `missing`. */
function expand(
  name: string,
  defs: Map<string, ServiceDefinition>,
  into: Set<string>,
  missing: Missing[],
  trail: string[],
  problems: Problems,
  invalid: ReadonlySet<string>,
): void {
  const def = defs.get(name);
  if (!def) {
    // an unusable service was reported already: a bundle just goes without it
    if (!invalid.has(name)) missing.push({ name, in: defs.get(trail[trail.length - 1] ?? '') });
    return;
  }
  if (def.type !== 'bundle') {
    into.add(name);
    return;
  }
  if (trail.includes(name)) {
    const cycle = [...trail.slice(trail.indexOf(name)), name].join(' -> ');
    problems.error(path.join(def.dir, 'contents.d'), `bundle cycle: ${cycle}`, name);
    return;
  }
  for (const member of def.contents) expand(member, defs, into, missing, [...trail, name], problems, invalid);
}

/**
 * Builds the graph; every problem lands in `problems`, and the atoms it concerns are left out, with whatever depends
 * on them directly. `invalid` names services that are defined but unusable: bundles simply go without them.
 */
export function buildGraph(services: Map<string, ServiceDefinition>, problems: Problems, invalid: ReadonlySet<string> = new Set()): Graph {
  const defs = withPipelineBundles(services, problems);
  const atoms = new Map<string, Atom>();
  const bundles = new Map<string, Set<string>>();
  const broken = new Set<string>();

  // Each undefined member is reported once, naming the contents.d entry the user wrote — not again for every bundle
  // (top, user, …) that holds it through another bundle. The bundle goes on without it.
  const reported = new Set<string>();
  for (const def of defs.values()) {
    if (def.type !== 'bundle') continue;
    const members = new Set<string>();
    const missing: Missing[] = [];
    expand(def.name, defs, members, missing, [], problems, invalid);
    for (const { name, in: bundle } of missing) {
      const file = path.join((bundle ?? def).dir, 'contents.d', name);
      if (reported.has(file)) continue;
      reported.add(file);
      problems.error(file, `bundle '${(bundle ?? def).name}' contains '${name}', which is not defined anywhere`, (bundle ?? def).name);
    }
    bundles.set(def.name, members);
  }

  for (const def of defs.values()) {
    if (def.type === 'bundle') continue;
    const needs = new Set<string>();
    const direct = new Set<string>();
    for (const dep of def.dependencies) {
      if (invalid.has(dep) || defs.get(dep)?.type !== 'bundle') direct.add(dep);
      if (invalid.has(dep)) {
        needs.add(dep); // not an atom of the graph: the cascade below drops this service, naming dep
        continue;
      }
      // Only an undefined name in our own dependencies.d is our problem: a bundle's undefined member was reported
      // with the bundle, which stands for what it holds that can start.
      const missing: Missing[] = [];
      expand(dep, defs, needs, missing, [], problems, invalid);
      if (missing.some((m) => m.in === undefined)) {
        problems.error(
          path.join(def.dir, 'dependencies.d', dep),
          `'${def.name}' depends on '${dep}', which is not defined anywhere`,
          def.name,
        );
        broken.add(def.name);
      }
    }
    needs.delete(def.name);
    atoms.set(def.name, { def, needs, direct, pipeFrom: false });
  }

  linkPipelines(defs, atoms, problems, broken);
  reportCycles(atoms, problems, broken);

  for (const p of problems.errors) if (p.service && atoms.has(p.service)) broken.add(p.service);
  // A broken atom takes down everything that names it as a dependency, transitively; each one is named. What only
  // needs it through a bundle goes on without it (the bundle is defined as what can start).
  let grew = true;
  while (grew) {
    grew = false;
    for (const atom of atoms.values()) {
      if (broken.has(atom.def.name)) continue;
      const unusable = [...atom.needs].filter((n) => broken.has(n) || !atoms.has(n));
      for (const n of unusable) if (!atom.direct.has(n)) atom.needs.delete(n);
      const bad = unusable.find((n) => atom.direct.has(n));
      if (bad !== undefined) {
        broken.add(atom.def.name);
        problems.warn(
          path.join(atom.def.dir, 'dependencies.d'),
          `'${atom.def.name}' will not start: it depends on '${bad}', which cannot start`,
        );
        grew = true;
      }
    }
  }
  for (const name of broken) atoms.delete(name);
  for (const members of bundles.values()) for (const name of broken) members.delete(name);
  return { atoms, bundles };
}

function linkPipelines(defs: Map<string, ServiceDefinition>, atoms: Map<string, Atom>, problems: Problems, broken: Set<string>): void {
  for (const atom of atoms.values()) {
    const def = atom.def;
    if (def.type !== 'longrun') continue;
    if (def.producerFor !== undefined) {
      const consumer = defs.get(def.producerFor);
      const file = path.join(def.dir, 'producer-for');
      if (!consumer || consumer.type !== 'longrun') {
        problems.error(file, `'${def.name}' is a producer for '${def.producerFor}', which is not a longrun`, def.name);
        broken.add(def.name);
      } else if (!consumer.consumerFor.includes(def.name)) {
        problems.error(
          path.join(consumer.dir, 'consumer-for'),
          `'${def.name}' says it produces for '${consumer.name}', but ${consumer.name}/consumer-for does not name it`,
          def.name,
        );
        broken.add(def.name);
      } else {
        atom.pipeTo = consumer.name;
        atom.needs.add(consumer.name);
        atom.direct.add(consumer.name);
      }
    }
    for (const producer of def.consumerFor) {
      const p = defs.get(producer);
      if (!p || p.type !== 'longrun' || p.producerFor !== def.name) {
        problems.error(
          path.join(def.dir, 'consumer-for'),
          `'${def.name}' consumes from '${producer}', but ${producer}/producer-for does not name '${def.name}'`,
          def.name,
        );
        broken.add(def.name);
      } else {
        atom.pipeFrom = true;
      }
    }
  }
}

/**
 * `defs` plus a bundle for each pipeline-name, read on a pipeline's last consumer (a longrun with consumer-for and
 * no producer-for), as s6-rc-compile reads it: the whole pipeline, every producer feeding into it (fan-in included)
 * back to the first. It is usable by name wherever a bundle is, in contents.d and dependencies.d. Elsewhere the file
 * is ignored, with s6-rc-compile's warning (a bundle naming it then names something undefined).
 */
function withPipelineBundles(defs: Map<string, ServiceDefinition>, problems: Problems): Map<string, ServiceDefinition> {
  const all = new Map(defs);
  for (const def of defs.values()) {
    if (def.type !== 'longrun' || def.pipelineName === undefined) continue;
    if (def.producerFor !== undefined || def.consumerFor.length === 0) {
      problems.warn(path.join(def.dir, 'pipeline-name'), `ignored: '${def.name}' is not the last consumer of a pipeline`);
      continue;
    }
    if (all.has(def.pipelineName)) {
      problems.error(path.join(def.dir, 'pipeline-name'), `pipeline name '${def.pipelineName}' is already the name of a service`, def.name);
      continue;
    }
    const members = [def.name];
    for (let k = 0; k < members.length; k++) {
      const member = defs.get(members[k] as string);
      for (const producer of member?.type === 'longrun' ? member.consumerFor : []) {
        if (defs.get(producer)?.type === 'longrun' && !members.includes(producer)) members.push(producer);
      }
    }
    all.set(def.pipelineName, {
      ...def,
      name: def.pipelineName,
      type: 'bundle',
      contents: members.reverse(),
      dependencies: [],
      essential: false,
    });
  }
  return all;
}

/** Finds every dependency cycle (Tarjan's strongly connected components) and names its members in order. */
function reportCycles(atoms: Map<string, Atom>, problems: Problems, broken: Set<string>): void {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const visit = (name: string): void => {
    indices.set(name, index);
    low.set(name, index);
    index++;
    stack.push(name);
    onStack.add(name);
    for (const next of atoms.get(name)?.needs ?? []) {
      if (!atoms.has(next)) continue;
      if (!indices.has(next)) {
        visit(next);
        low.set(name, Math.min(low.get(name) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(name, Math.min(low.get(name) as number, indices.get(next) as number));
      }
    }
    if (low.get(name) === indices.get(name)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== name);
      const selfLoop = atoms.get(name)?.needs.has(name) ?? false;
      if (component.length > 1 || selfLoop) {
        const cycle = describeCycle(component.reverse(), atoms);
        const first = atoms.get(component[0] as string) as Atom;
        problems.error(path.join(first.def.dir, 'dependencies.d'), `dependency cycle: ${cycle}`, first.def.name);
        for (const m of component) broken.add(m);
      }
    }
  };
  for (const name of [...atoms.keys()].sort()) if (!indices.has(name)) visit(name);
}

/** The shortest way around the cycle through the alphabetically first member: a -> b -> c -> a. */
function describeCycle(component: string[], atoms: Map<string, Atom>): string {
  const members = new Set(component);
  const start = [...component].sort()[0] as string;
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const current = queue.shift() as string;
    for (const next of [...(atoms.get(current)?.needs ?? [])].filter((n) => members.has(n)).sort()) {
      if (next === start) {
        const walk = [start];
        for (let at: string | undefined = current; at !== undefined && at !== start; at = cameFrom.get(at)) walk.splice(1, 0, at);
        return [...walk, start].join(' -> ');
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, current);
        queue.push(next);
      }
    }
  }
  return [...component, start].join(' -> ');
}

/** The atoms `names` stand for (a bundle stands for its members), plus every atom `next` leads to, recursively. */
function walk(graph: Graph, names: readonly string[], next: (atom: string) => Iterable<string>): Set<string> {
  const result = new Set<string>();
  const queue: string[] = [];
  for (const name of names) {
    const members = graph.bundles.get(name);
    if (members) queue.push(...members);
    else if (graph.atoms.has(name)) queue.push(name);
  }
  while (queue.length > 0) {
    const name = queue.pop() as string;
    if (result.has(name) || !graph.atoms.has(name)) continue;
    result.add(name);
    queue.push(...next(name));
  }
  return result;
}

/** The atoms `names` stand for, a bundle standing for its members, and nothing more (s6-rc's selection). */
export function selection(graph: Graph, names: readonly string[]): Set<string> {
  return walk(graph, names, () => []);
}

/** The atoms `names` stand for, plus everything they need, recursively (s6-rc's closed selection). */
export function closure(graph: Graph, names: readonly string[]): Set<string> {
  return walk(graph, names, (name) => (graph.atoms.get(name) as Atom).needs);
}

/** The atoms `names` stand for, plus everything that needs them, recursively (s6-rc's reverse closed selection). */
export function dependents(graph: Graph, names: readonly string[]): Set<string> {
  const needers = neededBy(graph);
  return walk(graph, names, (name) => needers.get(name) ?? []);
}

/** For each atom, the atoms that need it directly (the reverse of `needs`). */
export function neededBy(graph: Graph): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const atom of graph.atoms.values()) for (const n of atom.needs) result.set(n, [...(result.get(n) ?? []), atom.def.name]);
  return result;
}
