/**
 * Children get the RLIMIT_NOFILE nuwa was started with, as under tini and s6: Node raises its own soft limit to the
 * hard one before any of nuwa runs (scripts/start-limits-stub.js, sys/start-limits.ts).
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { killTree, nuwaBinary, tempDir, waitFor } from '../helpers';
import { spawnInPidNamespace } from '../helpers/pid1';

/** `sh -c SCRIPT` after `ulimit -Sn SOFT; ulimit -Hn HARD`: the limits a container runtime or a shell would set. */
function withLimits(soft: number, hard: number, script: string): string[] {
  return ['sh', '-c', `ulimit -Sn ${soft} && ulimit -Hn ${hard} && ${script}`];
}

const NUWA = JSON.stringify(nuwaBinary());

test('the main program of nuwa init, as PID 1, gets the soft limit nuwa was given, not the hard one', async (t) => {
  const init = spawnInPidNamespace(withLimits(1024, 4096, `exec ${NUWA} init --plain sh -c 'echo "$(ulimit -Sn) $(ulimit -Hn)"'`));
  let stdout = '';
  init.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const code = await new Promise<number | null>((resolve) => init.once('close', resolve));
  t.is(code, 0);
  t.is(stdout, '1024 4096\n');
});

test('a service under nuwa svscan gets the soft limit svscan was given', async (t) => {
  const scan = tempDir();
  const service = path.join(scan, 'limits');
  fs.mkdirSync(service);
  const out = path.join(scan, 'out');
  fs.writeFileSync(path.join(service, 'run'), `#!/bin/sh\nulimit -Sn > ${out}.new && mv ${out}.new ${out}\nexec sleep 60\n`, {
    mode: 0o755,
  });
  const svscan = spawnInPidNamespace(withLimits(512, 2048, `exec ${NUWA} svscan ${JSON.stringify(scan)}`));
  t.teardown(() => killTree(svscan.pid as number));
  const written = await waitFor('the service to write its limit', () => fs.existsSync(out) && fs.readFileSync(out, 'utf8'));
  t.is(written, '512\n');
});

test('a program an applet execs into (envdir) gets the soft limit nuwa was given', (t) => {
  const empty = tempDir();
  const run = spawnSync('sh', withLimits(256, 1024, `exec ${NUWA} envdir ${JSON.stringify(empty)} sh -c 'ulimit -Sn'`).slice(1), {
    encoding: 'utf8',
  });
  t.is(run.status, 0, run.stderr);
  t.is(run.stdout, '256\n');
});

test('a soft limit equal to the hard one (podman and docker by default) is passed on unchanged', (t) => {
  const run = spawnSync('sh', withLimits(3000, 3000, `exec ${NUWA} init --plain sh -c 'ulimit -Sn'`).slice(1), { encoding: 'utf8' });
  t.is(run.status, 0, run.stderr);
  t.is(run.stdout, '3000\n');
});

test('a hard open-files limit too low for Node to start: one line and exit 111, not a SIGSEGV; the least it needs starts', (t) => {
  const low = spawnSync('sh', withLimits(20, 20, `exec ${NUWA} init --plain true`).slice(1), { encoding: 'utf8' });
  t.is(low.signal, null, 'Node 24 itself dies of SIGSEGV there');
  t.is(low.status, 111, low.stderr);
  t.is(
    low.stderr,
    'nuwa: cannot start: the open-files limit (ulimit -n, podman run --ulimit nofile=N) is below 21, the least Node needs to start\n',
  );
  const least = spawnSync('sh', withLimits(21, 21, `exec ${NUWA} --version`).slice(1), { encoding: 'utf8' });
  t.is(least.status, 0, least.stderr);
  t.regex(least.stdout, /^nuwa /);
});
