/**
 * The s6 / s6-overlay helper names scripts call, as nuwa applets: s6-setuidgid and s6-envdir give what Debian's
 * s6-setuidgid and s6-envdir give (run side by side); with-retries retries as s6-overlay's does.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, requireCommand, tempDir } from '../helpers';

const run = (file: string, args: string[], env: NodeJS.ProcessEnv = { PATH: process.env.PATH }) =>
  spawnSync(file, args, { encoding: 'utf8', env });

test('s6-setuidgid: the same identity as Debian s6-setuidgid, by name and by uid:gid', (t) => {
  const real = requireCommand('s6-setuidgid', 's6');
  for (const account of ['nobody', '1000:1000', 'daemon']) {
    const theirs = run(real, [account, 'id']);
    const ours = run(nuwaBinary(), ['s6-setuidgid', account, 'id']);
    t.is(theirs.status, 0, theirs.stderr);
    t.is(ours.status, 0, ours.stderr);
    t.is(ours.stdout, theirs.stdout, account);
  }
  const unknown = run(nuwaBinary(), ['s6-setuidgid', 'no-such-user', 'id']);
  t.is(unknown.status, 1);
  t.is(unknown.stderr, 's6-setuidgid: fatal: unknown user: no-such-user\n');
});

test('s6-envdir: the same environment as Debian s6-envdir, with each option', (t) => {
  const real = requireCommand('s6-envdir', 's6');
  const dir = tempDir('nuwa-envdir-applet-');
  fs.writeFileSync(path.join(dir, 'A'), 'first line  \nsecond\n');
  fs.writeFileSync(path.join(dir, 'GONE'), '');
  const env = { PATH: process.env.PATH, GONE: 'set before' };
  for (const flags of [[], ['-f'], ['-n'], ['-fn'], ['-Lf']]) {
    const theirs = run(real, [...flags, dir, 'env', '-0'], env);
    const ours = run(nuwaBinary(), ['s6-envdir', ...flags, dir, 'env', '-0'], env);
    t.is(ours.stdout.split('\0').sort().join('\n'), theirs.stdout.split('\0').sort().join('\n'), flags.join(' '));
  }
  t.is(run(nuwaBinary(), ['s6-envdir', '-I', path.join(dir, 'missing'), 'true']).status, 0);
  t.not(run(nuwaBinary(), ['s6-envdir', path.join(dir, 'missing'), 'true']).status, 0);
});

test('s6-envdir passes on every descriptor it was started with, as Debian s6-envdir does: a saved stdout, a file', (t) => {
  const real = requireCommand('s6-envdir', 's6');
  const dir = tempDir('nuwa-envdir-fds-');
  fs.writeFileSync(path.join(dir, 'file'), 'from fd 6\n');
  fs.mkdirSync(path.join(dir, 'env'));
  // fd 5 is the same pipe as fd 1, as Node's own self-pipe ends look: only the note of what was open at exec tells
  const caller = (program: string[]) => [
    '-c',
    `exec 5>&1 6<${dir}/file; exec "$@" ${dir}/env sh -c 'echo to fd 5 >&5; cat <&6'`,
    'sh',
    ...program,
  ];
  const theirs = run('/bin/sh', caller([real]));
  const ours = run('/bin/sh', caller([nuwaBinary(), 's6-envdir']));
  t.is(theirs.stdout, 'to fd 5\nfrom fd 6\n', theirs.stderr);
  t.is(ours.stdout, theirs.stdout, ours.stderr);
  t.is(ours.stderr, '');
});

test('with-retries: stops at the first success; gives up after N tries; kills a try that outlives -t', (t) => {
  const dir = tempDir('nuwa-retries-');
  const counter = path.join(dir, 'count');
  const flaky = `n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}; test $n -ge 2`;
  t.is(run(nuwaBinary(), ['with-retries', '-n', '5', 'sh', '-c', flaky]).status, 0);
  t.is(fs.readFileSync(counter, 'utf8').trim(), '2');
  fs.rmSync(counter);
  t.is(run(nuwaBinary(), ['with-retries', '-n', '3', 'sh', '-c', `${flaky} && false`]).status, 1);
  t.is(fs.readFileSync(counter, 'utf8').trim(), '3');
  const slow = run(nuwaBinary(), ['with-retries', '-n', '1', '-t', '200', 'sh', '-c', `sleep 30; echo late > ${counter}`]);
  t.is(slow.status, 1);
  t.is(fs.readFileSync(counter, 'utf8').trim(), '3');
});

test(
  'bad options to s6-envdir, with-retries and s6-notifyoncheck: ' + 'one line naming the option and the usage, exit 100, nothing run',
  (t) => {
    const dir = tempDir();
    const marker = path.join(dir, 'ran');
    const cases: Array<[string[], RegExp]> = [
      [['s6-envdir', '-x', dir, 'touch', marker], /^nuwa s6-envdir: unknown option -x; usage: s6-envdir \[-I \| -i\]/],
      [['with-retries', '-n', 'many', 'touch', marker], /^nuwa with-retries: -n needs a number; usage: with-retries \[-n TRIES\]/],
      [['s6-notifyoncheck', '-3'], /^nuwa s6-notifyoncheck: option -3 needs an argument; usage: s6-notifyoncheck \[-d\]/],
    ];
    for (const [argv, message] of cases) {
      const r = spawnSync(nuwaBinary(), argv, { encoding: 'utf8' });
      t.is(r.status, 100, argv.join(' '));
      t.regex(r.stderr, message);
      t.is(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
    }
    t.false(fs.existsSync(marker));
  },
);
