/**
 * s6-rc source directories → dependency graph → state changes: bundles, cycles and missing services named with the
 * names involved, pipelines (a producer needs its consumer), and the engine's order — independent services in
 * parallel, a service only after everything it needs is up, a failure stopping only its dependents, stop in
 * reverse. Source trees are real directories; transitions are recorded rather than run (the boot tests run them).
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setVerbosity } from '../../supervisor/src/sys/logger';
import { ServiceManager } from '../../supervisor/src/rc/engine';
import { buildGraph, closure } from '../../supervisor/src/rc/graph';
import { Problems } from '../../supervisor/src/rc/problems';
import { readSources } from '../../supervisor/src/rc/source';
import { tempDir } from '../helpers';

setVerbosity(0); // the engine's progress lines are for the console of a real boot

type Spec = { type: string; deps?: string[]; contents?: string[]; files?: Record<string, string> };

function sourceDir(services: Record<string, Spec>): string {
  const dir = tempDir('nuwa-rc-src-');
  for (const [name, spec] of Object.entries(services)) {
    const d = path.join(dir, name);
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, 'type'), `${spec.type}\n`);
    for (const dep of spec.deps ?? []) {
      fs.mkdirSync(path.join(d, 'dependencies.d'), { recursive: true });
      fs.writeFileSync(path.join(d, 'dependencies.d', dep), '');
    }
    for (const m of spec.contents ?? []) {
      fs.mkdirSync(path.join(d, 'contents.d'), { recursive: true });
      fs.writeFileSync(path.join(d, 'contents.d', m), '');
    }
    if (spec.type === 'oneshot') fs.writeFileSync(path.join(d, 'up'), 'true\n');
    if (spec.type === 'longrun') fs.writeFileSync(path.join(d, 'run'), '#!/bin/sh\nexec sleep 1000\n', { mode: 0o755 });
    for (const [file, content] of Object.entries(spec.files ?? {})) fs.writeFileSync(path.join(d, file), content);
  }
  return dir;
}

function graphOf(services: Record<string, Spec>) {
  const problems = new Problems();
  const invalid = new Set<string>();
  const defs = readSources([sourceDir(services)], problems, new Set(), '/', invalid);
  return { graph: buildGraph(defs, problems, invalid), problems };
}

const messages = (p: Problems) => p.list.map((x) => `${path.basename(path.dirname(x.file))}/${path.basename(x.file)}: ${x.message}`);

test('bundles resolve to atoms; a dependency on a bundle is a dependency on each member', (t) => {
  const { graph, problems } = graphOf({
    db: { type: 'longrun' },
    cache: { type: 'longrun' },
    backends: { type: 'bundle', contents: ['db', 'cache'] },
    web: { type: 'longrun', deps: ['backends'] },
    all: { type: 'bundle', contents: ['web', 'backends'] },
  });
  t.deepEqual(problems.list, []);
  t.deepEqual([...(graph.atoms.get('web')?.needs ?? [])].sort(), ['cache', 'db']);
  t.deepEqual([...closure(graph, ['all'])].sort(), ['cache', 'db', 'web']);
});

test('a cycle is reported once, with the names around it; what needs the cycle is dropped and named', (t) => {
  const { graph, problems } = graphOf({
    a: { type: 'oneshot', deps: ['b'] },
    b: { type: 'oneshot', deps: ['c'] },
    c: { type: 'oneshot', deps: ['a'] },
    d: { type: 'oneshot', deps: ['a'] },
    e: { type: 'oneshot' },
  });
  t.deepEqual(messages(problems), [
    'a/dependencies.d: dependency cycle: a -> b -> c -> a',
    "d/dependencies.d: 'd' will not start: it depends on 'a', which cannot start",
  ]);
  t.deepEqual([...graph.atoms.keys()], ['e']);
});

test('a missing dependency or bundle member is named with the file that mentions it', (t) => {
  const { problems } = graphOf({ web: { type: 'longrun', deps: ['ghost'] }, user: { type: 'bundle', contents: ['web', 'phantom'] } });
  t.deepEqual(messages(problems), [
    "contents.d/phantom: bundle 'user' contains 'phantom', which is not defined anywhere",
    "dependencies.d/ghost: 'web' depends on 'ghost', which is not defined anywhere",
  ]);
});

test('an undefined name inside nested bundles is named once, at the contents.d entry written; what needs the bundles stays', (t) => {
  const { graph, problems } = graphOf({
    app: { type: 'bundle', contents: ['web', 'ghost'] },
    user: { type: 'bundle', contents: ['app'] },
    top: { type: 'bundle', contents: ['user', 'legacy'] },
    web: { type: 'longrun' },
    legacy: { type: 'oneshot', deps: ['user'] },
  });
  t.deepEqual(messages(problems), ["contents.d/ghost: bundle 'app' contains 'ghost', which is not defined anywhere"]);
  t.true(problems.list[0]?.file.endsWith('/app/contents.d/ghost'));
  t.deepEqual([...(graph.atoms.get('legacy')?.needs ?? [])], ['web']);
  t.deepEqual([...(graph.bundles.get('top') ?? [])].sort(), ['legacy', 'web']);
});

test('pipelines: the producer needs its consumer; pipeline-name makes a bundle; a one-sided declaration is refused', (t) => {
  const { graph, problems } = graphOf({
    app: { type: 'longrun', files: { 'producer-for': 'app-log\n' } },
    'app-log': { type: 'longrun', files: { 'consumer-for': 'app\n', 'pipeline-name': 'app-pipeline\n' } },
    lonely: { type: 'longrun', files: { 'producer-for': 'app-log\n' } },
  });
  t.deepEqual(messages(problems), [
    "app-log/consumer-for: 'lonely' says it produces for 'app-log', but app-log/consumer-for does not name it",
  ]);
  t.true(graph.atoms.get('app')?.needs.has('app-log'));
  t.is(graph.atoms.get('app')?.pipeTo, 'app-log');
  t.true(graph.atoms.get('app-log')?.pipeFrom);
  t.deepEqual([...(graph.bundles.get('app-pipeline') ?? [])].sort(), ['app', 'app-log']);
});

test('a pipeline-name is usable by name: in a bundle contents.d and in a dependencies.d', (t) => {
  const { graph, problems } = graphOf({
    db: { type: 'longrun', files: { 'producer-for': 'db-log\n' } },
    'db-log': { type: 'longrun', files: { 'consumer-for': 'db\n', 'pipeline-name': 'db-pipeline\n' } },
    user: { type: 'bundle', contents: ['db-pipeline'] },
    migrate: { type: 'oneshot', deps: ['db-pipeline'] },
  });
  t.deepEqual(messages(problems), []);
  t.deepEqual([...(graph.bundles.get('user') ?? [])].sort(), ['db', 'db-log']);
  t.deepEqual([...(graph.atoms.get('migrate')?.needs ?? [])].sort(), ['db', 'db-log']);
  t.true(graph.atoms.has('migrate'));
});

test("a pipeline-name on a producer is ignored, as s6-rc-compile ignores it (with its warning): only the last consumer's counts", (t) => {
  const { graph, problems } = graphOf({
    src: { type: 'longrun', files: { 'producer-for': 'mid\n', 'pipeline-name': 'wrong\n' } },
    mid: { type: 'longrun', files: { 'consumer-for': 'src\n', 'producer-for': 'sink\n' } },
    side: { type: 'longrun', files: { 'producer-for': 'sink\n' } },
    sink: { type: 'longrun', files: { 'consumer-for': 'mid\nside\n', 'pipeline-name': 'whole\n' } },
  });
  t.deepEqual(messages(problems), ["src/pipeline-name: ignored: 'src' is not the last consumer of a pipeline"]);
  t.false(graph.bundles.has('wrong'));
  t.deepEqual([...(graph.bundles.get('whole') ?? [])].sort(), ['mid', 'side', 'sink', 'src']);
});

test('unknown types, missing type and up files, reserved names: one problem each', (t) => {
  const dir = sourceDir({ weird: { type: 'daemon' }, 's6rc-mine': { type: 'oneshot' }, fine: { type: 'oneshot' } });
  fs.mkdirSync(path.join(dir, 'untyped'));
  fs.mkdirSync(path.join(dir, 'noup'));
  fs.writeFileSync(path.join(dir, 'noup/type'), 'oneshot\n');
  const problems = new Problems();
  const defs = readSources([dir], problems);
  t.deepEqual([...defs.keys()], ['fine']);
  t.deepEqual(messages(problems), [
    'noup/up: is missing: a oneshot needs an up file (a command line, e.g. the path of a script)',
    `${path.basename(dir)}/s6rc-mine: the prefixes s6rc- and s6-rc- are reserved (service 's6rc-mine')`,
    'untyped/type: is missing: every s6-rc service needs a type file holding oneshot, longrun or bundle',
    'weird/type: unknown type "daemon": expected oneshot, longrun or bundle',
  ]);
});

/** Runs the engine over `services` with transitions that take `ms` and fail for the names in `failing`. */
async function change(services: Record<string, Spec>, failing: string[] = []) {
  const { graph } = graphOf(services);
  const events: string[] = [];
  let running = 0;
  let maxParallel = 0;
  const step = async (what: string, ok: boolean) => {
    running++;
    maxParallel = Math.max(maxParallel, running);
    events.push(`${what}:begin`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    events.push(`${what}:end`);
    running--;
    return ok;
  };
  const manager = new ServiceManager(graph, {
    up: (name) => step(`up ${name}`, !failing.includes(name)),
    down: (name) => step(`down ${name}`, true),
  });
  const upCode = await manager.up([...graph.atoms.keys()]);
  const downCode = await manager.downAll();
  return { events, upCode, downCode, maxParallel };
}

const at = (events: string[], e: string) => {
  const k = events.indexOf(e);
  if (k === -1) throw new Error(`${e} did not happen: ${events.join(' ')}`);
  return k;
};

test('the engine starts independent services together, each after its needs, and stops in reverse', async (t) => {
  const { events, upCode, downCode, maxParallel } = await change({
    base: { type: 'oneshot' },
    db: { type: 'longrun', deps: ['base'] },
    cache: { type: 'longrun', deps: ['base'] },
    web: { type: 'longrun', deps: ['db', 'cache'] },
  });
  t.is(upCode, 0);
  t.is(downCode, 0);
  t.true(maxParallel >= 2, 'db and cache start in parallel');
  t.true(at(events, 'up base:end') < at(events, 'up db:begin'));
  t.true(at(events, 'up db:end') < at(events, 'up web:begin') && at(events, 'up cache:end') < at(events, 'up web:begin'));
  t.true(at(events, 'down web:end') < at(events, 'down db:begin') && at(events, 'down web:end') < at(events, 'down cache:begin'));
  t.true(at(events, 'down db:end') < at(events, 'down base:begin') && at(events, 'down cache:end') < at(events, 'down base:begin'));
});

test('a failure stops only what depends on it; s6-rc exit code 1; what never started is not stopped', async (t) => {
  const { events, upCode } = await change(
    {
      base: { type: 'oneshot' },
      db: { type: 'longrun', deps: ['base'] },
      web: { type: 'longrun', deps: ['db'] },
      other: { type: 'oneshot' },
    },
    ['db'],
  );
  t.is(upCode, 1);
  t.true(events.includes('up other:end'));
  t.false(events.some((e) => e.startsWith('up web')));
  t.false(events.some((e) => e.startsWith('down db') || e.startsWith('down web')));
  t.true(events.includes('down base:end') && events.includes('down other:end'));
});

test(
  "s6-overlay's user bundle: defined without a type file (its type came with s6-overlay's tarball) " + 'and in user-bundles.d, merged',
  (t) => {
    const old = sourceDir({ web: { type: 'longrun' } });
    fs.mkdirSync(path.join(old, 'user/contents.d'), { recursive: true });
    fs.writeFileSync(path.join(old, 'user/contents.d/web'), '');
    const bundles = sourceDir({ user: { type: 'bundle', contents: ['cron'] }, cron: { type: 'longrun' } });
    const problems = new Problems();
    const defs = readSources([old, bundles], problems, new Set(['user', 'user2']));
    t.deepEqual(problems.list, []);
    const graph = buildGraph(defs, problems);
    t.deepEqual([...(graph.bundles.get('user') ?? [])].sort(), ['cron', 'web']);
  },
);
