/**
 * The shapes real s6-overlay images use (../shared/reference/s6-overlay-usage.md), under Debian's execline with
 * s6's s6-setuidgid and s6-overlay's own with-contenv script, and under nuwa alone — and the one-process chain:
 * nuwa runs the whole chain in the process it started in, and execs only the final program.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requireCommand, tempDir } from '../helpers';
import { assertSame, runUnder, type Run } from './harness';

const SERVICE: Run = {
  script: [
    'with-contenv',
    's6-setuidgid nobody',
    'fdmove -c 2 1',
    'importas -i HOME HOME',
    'foreground { echo starting in $HOME }',
    'exec PROBE',
  ].join('\n'),
  asFile: true,
  env: { S6_KEEP_ENV: '1', HOME: '/nonexistent' },
};

test('a run script: #!execlineb -P, with-contenv, s6-setuidgid, fdmove, importas, foreground, exec', (t) => {
  const out = assertSame(t, SERVICE);
  t.is(out.stdout, 'starting in /nonexistent\n');
  t.true(out.state?.includes('ids 65534 65534 65534,65534'), out.state?.join('\n'));
});

test("s6-overlay's own with-contenv script (execlineb -S0, ifelse, importas -D, eltest, exec $@) runs on nuwa's execline", (t) => {
  const out = assertSame(t, { ...SERVICE, overlayScripts: true });
  t.is(out.stdout, 'starting in /nonexistent\n');
  assertSame(t, { script: 'with-contenv PROBE a "b c"', overlayScripts: true, env: { S6_KEEP_ENV: '1' } });
});

test('a oneshot up line with blocks, importas + if + foreground, redirfd -w 1 /dev/null', (t) => {
  assertSame(t, {
    script: [
      'foreground { mkdir -p data } if { test -d data }',
      'importas -D fallback V MISSING',
      'redirfd -w 1 /dev/null foreground { echo hidden } PROBE $V',
    ].join(' '),
  });
  assertSame(t, { script: 'if -n { test -e /nonexistent-el14 } ifelse { test -d / } { redirfd -a 1 log echo appended } echo never' });
  assertSame(t, { script: 'importas -i PORT PORT if { eltest ${PORT} -gt 1024 } PROBE $PORT', env: { PORT: '8080' } });
});

test('eltest: integers, strings, files, !, -a, -o, parentheses, parse errors', (t) => {
  for (const args of [
    '',
    '1 -eq',
    'a -eq 1',
    '5 -gt 3 -a ! -z ""',
    '( -n x )',
    'abc =~ ^a.c$',
    '-v PATH',
    'x',
    '""',
    '1 -eq 2 -o 1 -eq 1',
    '-z',
    '-d / -a -f /etc/passwd',
    '-x /bin/sh',
    'a != b',
    '-n',
  ]) {
    assertSame(t, { script: `eltest ${args}` });
  }
});

/** The basenames of the programs a run of `run` under strace exec'd (successful execve calls only). */
function execs(run: Run): string[] {
  const strace = requireCommand('strace');
  const trace = path.join(tempDir('nuwa-elchain-'), 'trace');
  const out = runUnder('nuwa', { ...run, wrapper: [strace, '-f', '-qq', '-e', 'trace=execve', '-o', trace] });
  if (out.code !== 0) throw new Error(`the chain failed: ${JSON.stringify(out)}`);
  return fs
    .readFileSync(trace, 'utf8')
    .split('\n')
    .filter((l) => /execve\(/.test(l) && !/ = -1 /.test(l))
    .map((l) => path.basename((/execve\("([^"]+)"/.exec(l) as RegExpExecArray)[1] as string))
    .sort();
}

test('case: regular expressions, globs, -i, -N, no match, a bad expression', (t) => {
  for (const script of [
    'case abc { "a.c" { PROBE re } } PROBE none',
    'case abc { b { PROBE partial } } PROBE none',
    'case -s a/b { "a*" { PROBE glob } } PROBE none',
    'case -S a/b { "a*" { PROBE glob } } PROBE none',
    'case -i ABC { abc { PROBE ci } } PROBE none',
    'case -N abc { "x" { PROBE x } "a(b)c" { PROBE sub } } PROBE none',
    'case -e abc { "a\\(b\\)c" { PROBE basic } } PROBE none',
    'case abc { "(" { PROBE bad } } PROBE none',
    'case',
  ]) {
    assertSame(t, { script });
  }
});

test('the chain runs in one process: one start of nuwa, and an exec only for the final program and the block', (t) => {
  // the script (run through its #! line: execlineb, i.e. nuwa), the foreground block's echo, the final program
  t.deepEqual(execs(SERVICE), ['.script', 'echo', 'probe']);
  // s6-overlay's with-contenv script names nuwa's execlineb on its #! line: read in the same process, not exec'd;
  // its ifelse condition block (importas … eltest …) is a child, as in execline: one more start of nuwa
  t.deepEqual(execs({ ...SERVICE, overlayScripts: true }), ['.script', 'echo', 'nuwa', 'probe']);
});
