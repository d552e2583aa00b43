/**
 * nuwa's copies of s6's s6-svdt, s6-svdt-clear, s6-envuidgid, s6-setlock, s6-tai64n, s6-tai64nlocal and s6-supervise,
 * against Debian's: the same output and exit codes, and each works with the other's files (locks, death tallies).
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NUWA, killTree, nuwaBinary, requireCommand, tempDir, waitFor } from '../helpers';
import { run, waitUp, writeService } from '../helpers/s6';
import { both } from '../portable/reference';

test.before(() => {
  nuwaBinary();
  for (const tool of ['s6-supervise', 's6-svdt', 's6-svc', 's6-svstat', 's6-envuidgid', 's6-setlock', 's6-tai64nlocal'])
    requireCommand(tool, 's6');
});

/** A supervisor process (Debian's s6-supervise or nuwa's) on `dir`, killed with the test. */
function supervise(t: { teardown(fn: () => void): void }, kind: 's6' | 'nuwa', dir: string) {
  const [file, args] = kind === 's6' ? ['s6-supervise', [dir]] : [NUWA, ['s6-supervise', dir]];
  const child = spawn(file, args, { stdio: 'ignore', cwd: path.dirname(dir) });
  t.teardown(() => killTree(child.pid as number));
  return child;
}

test('s6-svdt prints the tally a real s6-supervise wrote, as s6-svdt does; s6-svdt-clear empties it', async (t) => {
  const dir = writeService(path.join(tempDir('nuwa-svdt-'), 'svc'), { run: 'sleep 0.1; exit 3', files: { down: '' } });
  supervise(t, 's6', dir);
  await waitFor('supervised', () => run('s6-svok', [dir]).status === 0);
  run('s6-svc', ['-o', dir]);
  await waitFor('a death recorded', () => run('s6-svdt', [dir]).stdout.includes('exitcode 3'));
  run('s6-svc', ['-u', dir]);
  await waitUp(dir, true);
  run('s6-svc', ['-k', dir]);
  await waitFor('three deaths', () => run('s6-svdt', [dir]).stdout.split('\n').length >= 4);
  run('s6-svc', ['-d', dir]);
  await waitUp(dir, false);
  for (const args of [[dir], ['-s', dir], ['-S', dir], ['-n', '2', dir], ['-n', '0', dir], ['-n', 'x', dir], ['/nonexistent'], []]) {
    const [theirs, ours] = both('s6-svdt', args);
    t.deepEqual(ours, theirs, `s6-svdt ${args.join(' ')}`);
  }
  t.regex(run(NUWA, ['s6-svdt', dir]).stdout, /^@[0-9a-f]{24} exitcode 3\n/);
  t.is(run(NUWA, ['s6-svdt-clear', dir]).status, 0);
  t.is(run('s6-svdt', [dir]).stdout, '');
});

test('nuwa s6-supervise DIR supervises alone: s6-svc drives it, a second supervisor is refused, SIGTERM stops both', async (t) => {
  const root = tempDir('nuwa-supervise-');
  const journal = path.join(root, 'journal');
  const dir = writeService(path.join(root, 'svc'), {
    run: `echo "run $*" >> ${journal}\nexec sleep 100201`,
    finish: `echo "finish $1 $2" >> ${journal}`,
  });
  const child = supervise(t, 'nuwa', dir);
  // a generous deadline: a daemon applet's start (its own Node settings) takes seconds on a loaded machine
  await waitFor('nuwa s6-supervise to start the service', () => run('s6-svok', [dir]).status === 0, { timeoutMs: 90_000 });
  await waitUp(dir, true);
  const second = run(NUWA, ['s6-supervise', dir]);
  t.is(second.status, run('s6-supervise', [dir]).status, 'a second supervisor exits as s6-supervise does');
  t.is(second.status, 100);
  run('s6-svc', ['-k', dir]);
  await waitFor('restarted after the kill', () => fs.readFileSync(journal, 'utf8').split('run').length === 3);
  await waitUp(dir, true);
  t.deepEqual(fs.readFileSync(journal, 'utf8').trim().split('\n'), [`run ${dir}`, 'finish 256 9', `run ${dir}`]);
  t.regex(run('s6-svdt', [dir]).stdout, /signal SIGKILL\n$/);
  // after s6-svdt-clear, the next death starts a new tally (the supervisor appends to what is on disk)
  run(NUWA, ['s6-svdt-clear', dir]);
  run('s6-svc', ['-k', dir]);
  await waitFor('one more death', () => run('s6-svdt', [dir]).stdout !== '');
  t.is(run('s6-svdt', [dir]).stdout.trim().split('\n').length, 1);
  await waitUp(dir, true);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  t.is(await exited, 0);
  t.is(fs.readFileSync(journal, 'utf8').trim().split('\n').at(-1), 'finish 256 15', 'the service was stopped with SIGTERM first');
  t.is(run('s6-svok', [dir]).status, 1, 'no supervisor left');
});

test('s6-envuidgid sets what the original sets, for every mode and default', (t) => {
  const env = { PATH: process.env.PATH };
  const cases = [
    ['root'],
    ['nobody'],
    ['-u', 'nobody'],
    ['-g', 'nogroup'],
    ['-B', 'nobody:nogroup'],
    ['-B', 'nobody'],
    ['-B', ':nogroup'],
    ['-n', 'nobody'],
    ['-n', '5:6'],
    ['-n', 'nobody:7'],
    ['nope'],
    ['-u', 'nope'],
    ['-g', 'nope'],
    ['-D', '1:2:3,4', 'nope'],
    ['-D', '1:2', 'nope'],
    ['-D', '99999999999:1', 'nope'],
    ['-B', '-D', '5:6', 'nope:nah'],
    ['-D', '1:2:3', '-u', 'nope'],
    ['-B', '0:0'],
    ['1000'],
    ['-n', '1000'],
  ];
  for (const args of cases) {
    const [theirs, ours] = both('s6-envuidgid', [...args, 'env'], { env });
    t.deepEqual(ours, theirs, `s6-envuidgid ${args.join(' ')}`);
  }
  t.is(both('s6-envuidgid', ['root'])[1].status, 100, 'no program: usage');
});

test('s6-setlock: a lock held by either is seen by the other; -n fails at once, -t after the timeout, both exit 1', async (t) => {
  const lock = path.join(tempDir('nuwa-setlock-'), 'lock');
  const holders = [
    spawn('s6-setlock', [lock, 'sleep', '100301'], { stdio: 'ignore' }),
    spawn(NUWA, ['s6-setlock', `${lock}2`, 'sleep', '100302'], { stdio: 'ignore' }),
  ];
  for (const h of holders) t.teardown(() => killTree(h.pid as number));
  await waitFor(
    'both locks held',
    () => run('s6-setlock', ['-n', `${lock}2`, 'true']).status === 1 && run(NUWA, ['s6-setlock', '-n', lock, 'true']).status === 1,
  );
  for (const file of [lock, `${lock}2`]) {
    for (const args of [
      ['-n', file, 'echo', 'got'],
      ['-t', '200', file, 'echo', 'got'],
      ['-r', '-n', file, 'echo', 'got'],
    ]) {
      const [theirs, ours] = both('s6-setlock', args);
      t.deepEqual(ours, theirs, `s6-setlock ${args.join(' ')}`);
      t.is(ours.status, 1);
    }
  }
  for (const h of holders) h.kill('SIGKILL');
  await waitFor('released', () => run(NUWA, ['s6-setlock', '-n', lock, 'true']).status === 0);
  for (const args of [
    ['-n', lock, 'echo', 'got'],
    ['-r', lock, 's6-setlock', '-r', '-n', lock, 'echo', 'both'],
    ['/nonexistent/x', 'true'],
    ['-t', '99999999999', lock, 'true'],
    [lock],
  ]) {
    const [theirs, ours] = both('s6-setlock', args);
    t.deepEqual(ours, theirs, `s6-setlock ${args.join(' ')}`);
  }
});

test('s6-tai64n stamps lines as they come; s6-tai64nlocal turns stamps into the local time s6-tai64nlocal prints', (t) => {
  const stamped = run(NUWA, ['s6-tai64n'], { input: 'a\nb\n\nlast' }).stdout;
  t.regex(stamped, /^@4000[0-9a-f]{20} a\n@4000[0-9a-f]{20} b\n@4000[0-9a-f]{20} \n@4000[0-9a-f]{20} last$/);
  const input = `${stamped}\n@400000006b15bcfe381c3be6 hi\nno stamp\n@4000 short\n@400000006b15bcfe381c3be6x\n`;
  for (const tz of ['UTC', 'Asia/Tokyo', 'America/New_York']) {
    const [theirs, ours] = both('s6-tai64nlocal', [], { input, env: { ...process.env, TZ: tz } });
    t.deepEqual(ours, theirs, `TZ=${tz}`);
  }
  const now = new Date().toISOString().slice(0, 10);
  t.true(run(NUWA, ['s6-tai64nlocal'], { input: stamped, env: { TZ: 'UTC' } }).stdout.startsWith(now));
});
