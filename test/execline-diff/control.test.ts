/** foreground, background, if, ifelse, exit, exec, loopwhilex, wait: exit codes, $? and $!, messages. */
import test from 'ava';
import { assertSame } from './harness';

const CRASH = '/bin/sh -c "kill $$"';

test('foreground sets ? to the exit code, 256+signal, or 127 for a missing program', (t) => {
  assertSame(t, { script: 'foreground { /bin/sh -c "exit 3" } PROBE' });
  assertSame(t, { script: `foreground { ${CRASH} } PROBE` });
  assertSame(t, { script: 'foreground { nosuchprogram-el14 } PROBE' });
  assertSame(t, { script: 'foreground { echo only }' });
  assertSame(t, { script: 'foreground { echo unterminated' });
});

test('if: -n -t -x -X, a crashed or missing condition', (t) => {
  for (const script of [
    'if { true } PROBE',
    'if { false } PROBE',
    'if -n { true } PROBE',
    'if -n { false } PROBE',
    'if -t { false } PROBE',
    'if -x 7 { false } PROBE',
    `if { ${CRASH} } PROBE`,
    `if -X { ${CRASH} } PROBE`,
    'if { nosuchprogram-el14 } PROBE',
    'if { true }',
    'if -z { true } PROBE',
  ]) {
    assertSame(t, { script });
  }
});

test('ifelse: -n -X, both branches', (t) => {
  for (const script of [
    'ifelse { true } { PROBE yes } PROBE no',
    'ifelse { false } { PROBE yes } PROBE no',
    'ifelse -n { false } { PROBE yes } PROBE no',
    `ifelse { ${CRASH} } { PROBE yes } PROBE no`,
    `ifelse -X { ${CRASH} } { PROBE yes } PROBE no`,
  ]) {
    assertSame(t, { script });
  }
});

test('exit, exec -c -a -l', (t) => {
  for (const script of ['exit 3', 'exit', 'exit 300', 'exit x', 'exec', 'exec -z echo', 'exec PROBE', 'exec -c PROBE']) {
    assertSame(t, { script, env: { KEEP: 'me' } });
  }
  const renamed = assertSame(t, { script: 'exec -a foo /bin/sh -c "echo $0"' });
  t.is(renamed.stdout, 'foo\n');
  assertSame(t, { script: 'exec -l -a foo /bin/sh -c "echo $0"' });
});

test('background sets !, wait waits for it; loopwhilex', (t) => {
  const out = assertSame(t, {
    script: 'background { /bin/sh -c "echo child > bg" } importas -i ! ! wait { $! } foreground { cat bg } echo done',
  });
  t.is(out.stdout, 'child\ndone\n');
  assertSame(t, { script: 'background { true } wait { } echo waited' });
  assertSame(t, { script: 'loopwhilex /bin/sh -c "exit 3"' });
  assertSame(t, { script: 'loopwhilex -n /bin/sh -c "exit 0"' });
  assertSame(t, { script: 'loopwhilex -x 3 /bin/sh -c "exit 3"' });
  assertSame(t, { script: `loopwhilex ${CRASH}` });
  assertSame(t, { script: 'loopwhilex /bin/sh -c "n=$(cat n 2>/dev/null || echo 0); echo $((n+1)) > n; test $n -lt 3"' });
});
