/**
 * nuwa's s6-ps (s6-linux-utils) against what procps' ps and /proc say about processes the test starts: no reference
 * s6-ps binary exists in Debian, so the fields are checked one by one.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { NUWA, killTree, nuwaBinary, requireCommand, waitFor } from '../helpers';
import { run } from '../helpers/s6';

test.before(() => {
  nuwaBinary();
  requireCommand('ps', 'procps');
});

/** A process started for the test, killed with it. */
function start(t: { teardown(fn: () => void): void }, file: string, args: string[]) {
  const child = spawn(file, args, { stdio: 'ignore' });
  t.teardown(() => killTree(child.pid as number));
  return child.pid as number;
}

/** s6-ps's output split into lines; the line of `pid` found by its PID column (the first column of `-o pid,...`). */
function s6ps(args: string[]): string[] {
  const r = run(NUWA, ['s6-ps', ...args]);
  if (r.status !== 0) throw new Error(`s6-ps ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout.split('\n').slice(0, -1);
}

test('s6-ps -o shows a sleep as ps and /proc do: pid, ppid, state, user, args, comm, aligned under a header', async (t) => {
  const pid = start(t, 'sleep', ['100301', '0']);
  await waitFor('the sleep to run', () => fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith('sleep'));
  const lines = s6ps(['-o', 'pid,ppid,s,user,comm,args']);
  t.regex(lines[0] as string, /^ +PID +PPID {2}STAT {2}USER +COMM +COMMAND$/);
  const ours = lines.find((l) => l.trim().startsWith(`${pid} `)) as string;
  t.truthy(ours, `pid ${pid} listed`);
  const theirs = run('ps', ['-o', 'pid=,ppid=,stat=,user=,comm=,args=', '-p', String(pid)])
    .stdout.trim()
    .split(/ +/);
  t.deepEqual(ours.trim().split(/ +/), theirs);
  t.deepEqual(theirs.slice(-2), ['100301', '0']);
  // the PID column is right-aligned: every line's pid ends where the header's PID ends
  const end = (lines[0] as string).indexOf('PID') + 3;
  t.is(ours.slice(0, end).trimStart(), String(pid));
  const pids = lines.slice(1).map((l) => Number(l.trim().split(/ +/)[0]));
  t.deepEqual(
    pids,
    [...pids].sort((a, b) => a - b),
    'ordered by pid without -H',
  );
});

test('s6-ps -H prints children under their parent, indented one step deeper, kernel threads first', async (t) => {
  const pid = start(t, 'sh', ['-c', 'sleep 100302 & sleep 100303 & wait']);
  await waitFor(
    'both sleeps started',
    () =>
      run('ps', ['--ppid', String(pid), '-o', 'pid='])
        .stdout.trim()
        .split('\n').length === 2,
  );
  const lines = s6ps(['-H', '-o', 'pid,args']);
  const at = lines.findIndex((l) => l.trim().startsWith(`${pid} `));
  t.true(at > 0, 'the shell is listed');
  const column = (lines[0] as string).indexOf('COMMAND');
  const indent = (line: string): number => line.slice(column).search(/\S/);
  const shell = lines[at] as string;
  const kids = lines.slice(at + 1, at + 3);
  t.deepEqual(
    kids.map((l) => l.slice(column).trim()),
    ['\\_ sleep 100302', '\\_ sleep 100303'],
  );
  for (const kid of kids) t.is(indent(kid), indent(shell) + (shell.slice(column).trimStart().startsWith('\\_') ? 4 : 1));
  if (fs.existsSync('/proc/2/stat') && fs.readFileSync('/proc/2/stat', 'latin1').includes('(kthreadd)'))
    t.regex(lines[1] as string, /^ *2 +\(kthreadd\)$/, 'kernel threads come first');
});

test('s6-ps -w sets the spacing, -l the long list; a bad or duplicate field or -w is a usage error (100)', (t) => {
  t.regex(s6ps(['-w', '5', '-o', 'user,pid'])[0] as string, /^USER {5,} +PID$/);
  t.is(s6ps(['-l'])[0]?.split(/ +/).join(','), 'USER,PID,C%CPU,%MEM,VSZ,RSS,TTY,STAT,START,CTTIME,COMMAND');
  for (const args of [['-o', 'pid,bogus'], ['-o', 'pid,pid'], ['-o', 'pid,,args'], ['-w', 'x'], ['-q']]) {
    const r = run(NUWA, ['s6-ps', ...args]);
    t.is(r.status, 100, args.join(' '));
    t.is(r.stdout, '');
    t.is(r.stderr.trim().split('\n').length, 1);
  }
  t.regex(run(NUWA, ['s6-ps', '-o', 'pid,bogus']).stderr, /bogus/);
});
