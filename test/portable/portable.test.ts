/**
 * nuwa's s6-portable-utils against the originals (built with the reference s6-overlay): the same arguments and input
 * give the same output and exit code. Each case is one a script relies on.
 */
import test, { type ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { NUWA, killTree, nuwaBinary, tempDir, waitFor } from '../helpers';
import { both, original } from './reference';

test.before(() => nuwaBinary());

function same(t: ExecutionContext, program: string, args: string[], options: Parameters<typeof both>[2] = {}): void {
  const [theirs, ours] = both(program, args, options);
  t.deepEqual(ours, theirs, `${program} ${args.join(' ')}`);
}

test('s6-echo: separators, -n, -- and no arguments', (t) => {
  for (const args of [
    ['a', 'b'],
    ['-n', 'a', 'b'],
    ['-s', ':', 'a', 'b', 'c'],
    ['-s:', '-n', 'x', 'y'],
    ['-s', '', 'a', 'b'],
    ['--', '-n', 'x'],
    [],
    ['-x'],
  ]) {
    same(t, 's6-echo', args);
  }
});

test('s6-cat copies stdin, binary included', (t) => {
  same(t, 's6-cat', [], { input: 'line 1\nline 2 without newline' });
  same(t, 's6-cat', [], { input: Buffer.from([0, 1, 2, 255, 10, 0]) });
});

test('s6-sort: byte order, -r, -u, -c, -0, -b, -f', (t) => {
  const input = 'pear\napple\nBanana\n cherry\napple\na\ta\na\n';
  for (const args of [[], ['-r'], ['-u'], ['-b'], ['-c'], ['-x']]) same(t, 's6-sort', args, { input });
  same(t, 's6-sort', ['-c'], { input: 'a\nb\nc\n' });
  same(t, 's6-sort', ['-f'], { input: 'b\nA\nc\n' });
  same(t, 's6-sort', ['-0', '-r'], { input: 'a\0c\0b\0' });
  same(t, 's6-sort', [], { input: 'b\na' });
});

test('s6-format-filter: %s, %0-less arguments, %% and a refused format', (t) => {
  const input = 'first line\nsecond\nlast without newline';
  for (const args of [['<%s>'], ['%1: %s (%2) %%', 'one', 'two'], ['%2', 'one'], ['%q'], [], ['plain']]) {
    same(t, 's6-format-filter', args, { input });
  }
});

test('s6-mkdir: modes, -p, an existing directory, and the rest still made after a failure', (t) => {
  const dirs = [tempDir('nuwa-mkdir-a-'), tempDir('nuwa-mkdir-b-')];
  const cases = [['-m', '750', 'one', 'two'], ['one', 'three'], ['-p', 'x/y/z'], ['-p', 'x/y'], ['-m', '9', 'bad'], ['-p', 'one/f/g'], []];
  fs.writeFileSync(path.join(dirs[0] as string, 'f'), '');
  fs.writeFileSync(path.join(dirs[1] as string, 'f'), '');
  for (const args of cases) {
    same(t, 's6-mkdir', args, { cwd: dirs as [string, string] });
  }
  const listing = (root: string) =>
    (fs.readdirSync(root, { recursive: true }) as string[])
      .sort()
      .map((f) => `${f} ${(fs.statSync(path.join(root, f)).mode & 0o7777).toString(8)}`);
  t.deepEqual(listing(dirs[1] as string), listing(dirs[0] as string));
  t.true(listing(dirs[1] as string).includes('one 750'));
});

test('s6-rmrf, s6-chmod, s6-ls on the same trees give the same results', (t) => {
  const dirs = [tempDir('nuwa-files-a-'), tempDir('nuwa-files-b-')] as [string, string];
  for (const dir of dirs) {
    fs.mkdirSync(path.join(dir, 'tree/sub/deeper'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'tree/sub/deeper/f'), 'x');
    fs.writeFileSync(path.join(dir, 'tree/.hidden'), '');
    fs.writeFileSync(path.join(dir, 'file'), '');
  }
  const lsSorted = (args: string[]) => {
    const [theirs, ours] = both('s6-ls', args, { cwd: dirs });
    const sorted = (o: { stdout: string }) =>
      o.stdout
        .split(/[\n\0]/)
        .sort()
        .join(' ');
    t.is(ours.status, theirs.status, `s6-ls ${args.join(' ')}`);
    t.is(sorted(ours), sorted(theirs), `s6-ls ${args.join(' ')}`);
    t.is(ours.stdout.includes('\0'), theirs.stdout.includes('\0'));
  };
  for (const args of [['tree'], ['-a', 'tree'], ['-A', 'tree'], ['-A', '-x', 'sub', 'tree'], ['-0', 'tree'], ['nope'], []]) lsSorted(args);
  for (const args of [['640', 'file'], ['u+x', 'file'], ['755', 'nope'], ['600']]) same(t, 's6-chmod', args, { cwd: dirs });
  t.is((fs.statSync(path.join(dirs[1], 'file')).mode & 0o777).toString(8), '640');
  for (const args of [['tree', 'nope', 'file'], []]) same(t, 's6-rmrf', args, { cwd: dirs });
  t.deepEqual(fs.readdirSync(dirs[1]), []);
  t.deepEqual(fs.readdirSync(dirs[0]), []);
});

test('s6-sleep and s6-maximumtime: exit codes of the program, of a timeout (99), of a crash, and usage', (t) => {
  for (const args of [['0'], ['-m', '10', 'sh', '-c', 'echo ran; exit 4'], ['x'], []]) same(t, 's6-sleep', args);
  const cases = [
    ['2000', 'sh', '-c', 'echo quick; exit 3'],
    ['100', 'sleep', '5'],
    ['-k', '100', 'sleep', '5'],
    ['0', 'true'],
    ['2000', 'sh', '-c', 'kill $$'],
    ['100'],
    ['100', '/nonexistent/program'],
  ];
  for (const args of cases) same(t, 's6-maximumtime', args);
});

test('s6-chown -u/-g and -U (from $UID/$GID) change the owner as the original does', (t) => {
  const dirs = [tempDir('nuwa-chown-a-'), tempDir('nuwa-chown-b-')] as [string, string];
  for (const dir of dirs) for (const f of ['a', 'b', 'c']) fs.writeFileSync(path.join(dir, f), '');
  same(t, 's6-chown', ['-u', '12', 'a'], { cwd: dirs });
  same(t, 's6-chown', ['-g', '34', '-u', '56', 'b'], { cwd: dirs });
  same(t, 's6-chown', ['-U', 'c'], { cwd: dirs, env: { ...process.env, UID: '7', GID: '8' } });
  same(t, 's6-chown', ['-u', 'root', 'c'], { cwd: dirs });
  same(t, 's6-chown', ['-u', '99999999999', 'c'], { cwd: dirs });
  same(t, 's6-chown', ['-U', 'c'], { cwd: dirs, env: { ...process.env, UID: '99999999999', GID: '1' } });
  same(t, 's6-chown', ['-U', 'c'], { cwd: dirs, env: { ...process.env, UID: 'x', GID: '1' } });
  same(t, 's6-chown', ['-U', 'c'], { cwd: dirs, env: { PATH: process.env.PATH } });
  same(t, 's6-chown', ['-u', '1', 'nope'], { cwd: dirs });
  const owners = (dir: string) => ['a', 'b', 'c'].map((f) => `${fs.statSync(path.join(dir, f)).uid}:${fs.statSync(path.join(dir, f)).gid}`);
  t.deepEqual(owners(dirs[1]), owners(dirs[0]));
  t.deepEqual(owners(dirs[1]), ['12:0', '56:34', '7:8']);
});

test('s6-pause blocks until killed: the signals it was told to ignore leave it running, as with the original', async (t) => {
  for (const file of [original('s6-pause'), NUWA]) {
    const args = file === NUWA ? ['s6-pause', '-t', '-a', '-p', '1,10'] : ['-t', '-a', '-p', '1,10'];
    const child = spawn(file, args, { stdio: 'ignore' });
    t.teardown(() => killTree(child.pid as number));
    const ended = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    // Until it has set its dispositions, a signal would kill it: wait for /proc to show SIGALRM (14) ignored or caught
    // (nuwa holds TERM, HUP, USR1… while it starts, so those say nothing; ALRM is only ever s6-pause's).
    await waitFor(`${file} set up`, () => {
      const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const mask = (name: string) => BigInt(`0x${new RegExp(`${name}:\\s*([0-9a-f]+)`).exec(status)?.[1] ?? '0'}`);
      const bit = (n: number) => 1n << BigInt(n - 1);
      return ((mask('SigIgn') | mask('SigCgt')) & bit(14)) !== 0n;
    });
    for (const signal of ['SIGTERM', 'SIGALRM', 'SIGHUP', 'SIGUSR1'] as const) child.kill(signal);
    child.kill('SIGINT');
    const still = new Promise<string>((resolve) => setTimeout(() => resolve('still running 20 s after SIGINT'), 20_000).unref());
    t.is(await Promise.race([ended, still]), 'SIGINT', `${file}: only SIGINT ended it`);
  }
});
