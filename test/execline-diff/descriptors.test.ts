/** fdmove, fdclose, fdreserve, redirfd, piperw, heredoc, pipeline, export/unexport/emptyenv/cd: the state the final program gets. */
import test from 'ava';
import { assertSame } from './harness';

test('fdmove and fdclose: descriptors and their flags as the final program sees them', (t) => {
  for (const script of [
    'fdmove -c 2 1 PROBE',
    'fdmove 5 1 PROBE',
    'fdmove -c 3 0 fdmove 4 3 PROBE',
    'fdmove 1 7 PROBE',
    'fdclose 0 PROBE',
    'fdmove -c 2 1 fdclose 1 PROBE',
    'fdreserve 2 PROBE',
    'fdmove',
  ]) {
    assertSame(t, { script });
  }
});

test('redirfd: each mode, -n and -b, a missing file', (t) => {
  for (const script of [
    'redirfd -w 1 /dev/null echo hidden',
    'redirfd -w 1 out echo written',
    'redirfd -a 1 old echo appended',
    'redirfd -x 1 old echo refused',
    'redirfd -x 1 new echo created',
    'redirfd -r 0 old PROBE',
    'redirfd -u 3 old PROBE',
    'redirfd -w 3 out fdmove 1 3 PROBE',
    'redirfd -r 0 /nonexistent-el14 PROBE',
    'redirfd -rn 0 old PROBE',
    'redirfd 1 out echo',
  ]) {
    assertSame(t, { script, files: { old: 'before\n' } });
  }
});

test('redirfd -nwb opens a FIFO that has no reader, blocking', (t) => {
  assertSame(t, {
    script: 'foreground { mkfifo fifo } redirfd -nwb 1 fifo PROBE',
  });
});

test('piperw, heredoc and pipeline connect descriptors', (t) => {
  assertSame(t, { script: 'piperw 5 6 PROBE' });
  const here = assertSame(t, { script: 'heredoc 0 "some text\n" cat' });
  t.is(here.stdout, 'some text\n');
  const piped = assertSame(t, { script: 'pipeline { echo through } tr a-z A-Z' });
  t.is(piped.stdout, 'THROUGH\n');
  assertSame(t, { script: 'pipeline -w { tr a-z A-Z } echo back' });
  assertSame(t, { script: 'pipeline { echo x } PROBE' });
});

test("descriptors the process was started with: piperw's ends in a block, a caller's saved stdout, one above the fd limit", (t) => {
  // a child started by a block holds both ends of piperw's pipe, as Node's own self-pipes look
  const piped = assertSame(t, { script: 'piperw 3 4 foreground { fdmove 1 4 echo through } fdclose 4 fdmove 0 3 cat' });
  t.is(piped.stdout, 'through\n');
  const moved = assertSame(t, { script: 'piperw 3 4 foreground { fdmove -c 5 3 PROBE } exit 0' });
  t.true(moved.state?.some((l) => l.startsWith('fd 5 pipe')));
  // `exec 5>&1` in the caller: fd 5 is the same pipe as fd 1; fd 6 a file; through the chain, a child and the exec
  const caller = assertSame(t, {
    script: 'foreground { fdmove 1 5 echo child } fdmove -c 0 6 fdmove 1 5 PROBE',
    files: { old: 'before\n' },
    asFile: true,
    wrapper: ['/bin/sh', '-c', 'exec 5>&1 6<old; exec "$0" "$@"'],
  });
  t.is(caller.stdout, 'child\n');
  t.true(caller.state?.some((l) => l.startsWith('fd 6 $DIR/old')));
  // a descriptor above the soft RLIMIT_NOFILE (opened before the limit was lowered) is passed on too
  const high = assertSame(t, {
    script: 'fdmove -c 5 1 PROBE',
    files: { old: 'before\n' },
    asFile: true,
    wrapper: ['/bin/bash', '-c', 'exec 100<old; ulimit -n 64; exec "$0" "$@"'], // dash knows fds 0-9 only
  });
  t.true(high.state?.some((l) => l.startsWith('fd 100 $DIR/old')));
});

test('export, unexport, emptyenv, cd', (t) => {
  for (const script of [
    'export A 1 unexport KEEP PROBE',
    'export A',
    'emptyenv PROBE',
    'emptyenv -p PROBE',
    'emptyenv -c PROBE',
    'cd / PROBE',
    'cd /nonexistent-el14 PROBE',
    'cd',
  ]) {
    assertSame(t, { script, env: { KEEP: 'me', '#': '1', '1': 'pos', '1:1': 'older' } });
  }
  assertSame(t, { script: 'emptyenv -P PROBE', options: [], args: ['new'], env: { '#': '1', '1': 'old' } });
});

test('forx and forstdin: each value, -o and -x, -E', (t) => {
  for (const script of [
    'forx X { a b } PROBE',
    'forx -E X { a b } echo $X',
    'forx -o 0 X { a b } /bin/sh -c "exit 2"',
    'forx -x 2 X { a b } /bin/sh -c "exit 2"',
    'forx X { a b } /bin/sh -c "exit 2"',
    'forx -p -E X { a b } /bin/sh -c "echo $X > $X"',
    'forx X',
  ]) {
    assertSame(t, { script });
  }
  assertSame(t, { script: 'forstdin -E X echo [${X}]', stdin: 'a b\n\nc\n' });
  assertSame(t, { script: 'forstdin -C -E X echo [${X}]', stdin: 'a b\n\nc' });
  assertSame(t, { script: 'forstdin -x 3 X /bin/sh -c "exit 3"', stdin: 'a\nb\n' });
});
