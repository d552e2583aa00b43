/** execlineb's language under Debian's execline and nuwa's: words, quoting, comments, blocks, positional parameters, bad input. */
import test from 'ava';
import { assertSame } from './harness';

test('words, quotes, escapes and comments reach the program unchanged', (t) => {
  const out = assertSame(t, {
    script: 'PROBE a "b c" "tab\\there" d\\ e # a comment\n "" "\\65\\0101\\x41" # another\n "line\none"',
  });
  t.true(out.state?.join('\n').includes('argv a b c tab\there d e  AAx41 line\none'), out.state?.join('\n'));
});

test('blocks are encoded as execline 2.9 does: nested blocks and empty words keep their leading spaces', (t) => {
  const out = assertSame(t, { script: 'foreground { PROBE x { b " y" } "" c } echo after' });
  t.is(out.stdout, 'after\n');
});

test('positional parameters: pushed by default, -p overwrites, -S and -s substitute', (t) => {
  assertSame(t, { script: 'PROBE $1', options: [], args: ['a', 'b c'], env: { '1': 'old', '#': '1' } });
  assertSame(t, { script: 'PROBE', options: ['-p'], args: ['x'], env: { '1': 'old', '#': '1' } });
  assertSame(t, { script: 'PROBE $# $1 $2 $@ ${@}x', options: ['-S2'], args: ['a', 'b', 'c'] });
  assertSame(t, { script: 'PROBE $# $1 $@', options: ['-s1'], args: ['a', 'b', 'c'] });
  assertSame(t, { script: 'PROBE [$3]', options: ['-S3'], args: ['a'] });
});

test('a script file named on the #! line, with its arguments', (t) => {
  assertSame(t, { script: 'foreground { echo $1 }\nPROBE $@', options: ['-S1'], args: ['one', 'two'], asFile: true });
});

test('bad input: unmatched braces, unterminated quote, a missing program, a bad option', (t) => {
  for (const script of ['echo { a', 'echo } a', 'foreground { echo a', 'echo "open', 'nosuchprogram-el14 a', 'fdmove -z 1 2 echo']) {
    const out = assertSame(t, { script });
    t.not(out.code, 0, script);
    t.false(
      out.stderr.some((l) => /\bat .*\(.*\)$/.test(l) || /Error/.test(l)),
      `no stack trace: ${out.stderr.join('\n')}`,
    );
  }
  const file = assertSame(t, { script: 'PROBE', asFile: true, options: ['-P'], files: {} });
  t.is(file.code, 0);
});

test('an empty script exits 0', (t) => {
  assertSame(t, { script: '# nothing\n' });
});
