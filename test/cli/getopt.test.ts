/**
 * cli/getopt.ts: skalibs' subgetopt rules (what every s6 program's command line obeys), and nuwa's long options.
 * The end-to-end half: chain programs (s6-envdir, with-retries) leave the options of the program
 * they run alone, as skalibs' getopt stops at the first word that is not an option.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../../supervisor/src/cli/errors';
import { getopt } from '../../supervisor/src/cli/getopt';
import { nuwaBinary, tempDir } from '../helpers';

test('short options: clustered, attached or next-word arguments, in order; parsing stops at the first operand and at --', (t) => {
  const parsed = getopt(['-uw', 'U', '-t500', '-s', 'TERM', 'dir', '-d', 'x'], 'uw:t:s:d', 'u');
  t.deepEqual(parsed.options, [
    ['u', undefined],
    ['w', 'U'],
    ['t', '500'],
    ['s', 'TERM'],
  ]);
  t.deepEqual(parsed.operands, ['dir', '-d', 'x']);
  t.deepEqual(getopt(['-u', '--', '-d'], 'ud', 'u').operands, ['-d']);
  t.deepEqual(getopt(['-', '-u'], 'u', 'u').operands, ['-', '-u']);
});

test('a program run after the options keeps its own options, long ones included', (t) => {
  const parsed = getopt(['-n', '3', 'mysqld', '--defaults-extra-file=/x', '-v'], 'n:', 'u');
  t.deepEqual(parsed.options, [['n', '3']]);
  t.deepEqual(parsed.operands, ['mysqld', '--defaults-extra-file=/x', '-v']);
});

test('long options: flags and name= arguments in the option part; anywhere before -- only for the tools that ask', (t) => {
  const init = getopt(['--check', '--root', '/img', 'cmd', '--json'], '', 'u', { longs: ['check', 'root='] });
  t.deepEqual(
    [...init.long],
    [
      ['check', undefined],
      ['root', '/img'],
    ],
  );
  t.deepEqual(init.operands, ['cmd', '--json']);
  t.is(getopt(['--root=/a'], '', 'u', { longs: ['root='] }).long.get('root'), '/a');
  const svstat = getopt(['-u', 'gunicorn', '--json', '--', '--help'], 'u', 'u', ['json', 'help']);
  t.true(svstat.long.has('json'));
  t.false(svstat.long.has('help'));
  t.deepEqual(svstat.operands, ['gunicorn', '--', '--help']);
});

test('unknown options and missing arguments are usage errors, in skalibs words or with a hint', (t) => {
  const unknown = t.throws(() => getopt(['-x'], 'u', 'tool [-u]'), { instanceOf: UsageError });
  t.is(unknown?.message, 'unknown option -x; usage: tool [-u]');
  t.is(unknown?.code, 100);
  t.is(t.throws(() => getopt(['-t'], 't:', 'tool [-t ms]'))?.message, 'option -t needs an argument; usage: tool [-t ms]');
  t.is(t.throws(() => getopt(['--fast'], '', 'u', { hint: 'nuwa init --help' }))?.message, "unknown option '--fast' (nuwa init --help)");
  t.is(t.throws(() => getopt(['--root'], '', 'u', { longs: ['root='], hint: 'h' }))?.message, "option '--root' needs an argument (h)");
  t.is(t.throws(() => getopt(['--check=yes'], '', 'u', { longs: ['check'] }))?.message, 'unknown option --check; usage: u');
});

const run = (args: string[]) => spawnSync(nuwaBinary(), args, { encoding: 'utf8', env: { PATH: process.env.PATH } });

test('s6-envdir and with-retries pass the options after the program to it', (t) => {
  const dir = tempDir('nuwa-getopt-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'GREETING'), 'hello\n');
  const envdir = run(['s6-envdir', dir, 'sh', '-c', 'echo "$GREETING $0 $1"', '--foo', '-x']);
  t.is(envdir.status, 0, envdir.stderr);
  t.is(envdir.stdout, 'hello --foo -x\n');
  const retries = run(['with-retries', '-n', '2', '-t', '10', 'echo', 'a', '--foo']);
  t.is(retries.status, 0, retries.stderr);
  t.is(retries.stdout, 'a --foo\n');
});
