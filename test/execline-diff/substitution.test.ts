/** importas, define, multisubstitute, multidefine, backtick, getcwd, withstdinas: the same words reach the program. */
import test from 'ava';
import { assertSame } from './harness';

const VALUE = { X: '  a b:c\t\n\n' };

test('importas: unset, -i, -D, -u, -s, -n, -C, -d, and the $KEY / ${KEY} / backslash rules', (t) => {
  for (const options of ['', '-s', '-sn', '-sd:', '-n', '-sC', '-C', '-u']) {
    const key = 'Y X';
    assertSame(t, { script: `importas ${options} ${key} PROBE $${key.split(' ')[0]} pre\${${key.split(' ')[0]}}post`, env: VALUE });
  }
  assertSame(t, { script: 'importas A NOPE PROBE a $A b ${A}c' });
  assertSame(t, { script: 'importas -i A NOPE PROBE $A' });
  assertSame(t, { script: 'importas -D def A NOPE PROBE $A' });
  assertSame(t, { script: 'importas -z A B PROBE' });
  assertSame(t, { script: 'importas A' });
});

test('define: $A- and $AB are other keys, ${A}- is A; escaped dollars', (t) => {
  assertSame(t, { script: 'define A x PROBE $A- ${A}- $A $AB \\$A \\\\$A \\\\\\$A $$A $A} a$A ${A}${A}' });
  assertSame(t, { script: 'define -s A "a b" PROBE ${A}- $A' });
  assertSame(t, { script: 'define A "" PROBE 1 $A 2 "${A}" 3' });
  assertSame(t, { script: 'define -sd, A "a,,b" PROBE ${A}' });
  assertSame(t, { script: 'define A' });
});

test('multisubstitute substitutes in parallel; multidefine splits one value', (t) => {
  assertSame(t, {
    script: 'export A wrong multisubstitute { define B ${A} importas A A define -s C "1 2" } PROBE ${B} $A $C',
  });
  assertSame(t, { script: 'multidefine "a b c" { X Y } PROBE $X $Y' });
  assertSame(t, { script: 'multidefine -r "a b c" { X Y } PROBE $X $Y' });
  assertSame(t, { script: 'multidefine -0 "a" { X Y } PROBE [$X] [${Y}]' });
  assertSame(t, { script: 'multisubstitute { nosuch A } PROBE' });
});

test('backtick: the output as a variable or substituted, failures by -i -I -D', (t) => {
  assertSame(t, { script: 'backtick A { echo hi } PROBE' });
  assertSame(t, { script: 'backtick -n A { echo hi } PROBE' });
  assertSame(t, { script: 'backtick -E A { echo hi } PROBE $A' });
  assertSame(t, { script: 'backtick A { false } PROBE' });
  assertSame(t, { script: 'backtick -I A { false } PROBE' });
  assertSame(t, { script: 'backtick -D def A { false } PROBE' });
  assertSame(t, { script: 'backtick -I A { /bin/sh -c "echo out; exit 1" } PROBE' });
  assertSame(t, { script: 'backtick -x A { false } PROBE', env: { A: 'before' } });
  assertSame(t, { script: 'backtick -E -x A { false } PROBE $A' });
  assertSame(t, { script: 'backtick A { /bin/sh -c "kill $$" } PROBE' });
  assertSame(t, { script: 'backtick A { nosuchprogram-el14 } PROBE' });
});

test('getcwd and withstdinas', (t) => {
  assertSame(t, { script: 'getcwd X PROBE' });
  assertSame(t, { script: 'getcwd -E X PROBE $X' });
  assertSame(t, { script: 'withstdinas X PROBE', stdin: 'some\ninput\n' });
  assertSame(t, { script: 'withstdinas -n -E X PROBE $X', stdin: 'line\n' });
});
