/**
 * case's POSIX patterns against Debian's case (glibc's regcomp and fnmatch in the C locale): bracket expressions
 * with classes, basic and extended syntax, REG_NEWLINE, and the flags execline 2.9.3 passes to fnmatch.
 */
import test from 'ava';
import { assertSame } from './harness';

/** `case [options] value { pattern { echo yes } } echo no`, as a script. */
const matches = (options: string, value: string, pattern: string) => `case ${options} "${value}" { "${pattern}" { echo yes } } echo no`;

test('case: [[:class:]] bracket expressions in regular expressions, extended and basic, with -i', (t) => {
  const tries: Array<[string, string, string, string]> = [
    ['', 'abc', '[[:alpha:]]+', 'yes'],
    ['', 'x y\tz', 'x[[:space:]]y[[:blank:]]z', 'yes'],
    ['', '1f', '[[:digit:]][[:xdigit:]]', 'yes'],
    ['', 'a-b', 'a[[:alpha:]-]b', 'yes'],
    ['', 'a!b', 'a[^[:alnum:]]b', 'yes'],
    ['', 'ABC', '[[:lower:]]+', 'no'],
    ['-i', 'ABC', '[[:lower:]]+', 'yes'],
    ['', '123', '[[:digit:]]{3}', 'yes'],
    ['-e', '123', '[[:digit:]]\\\\{3\\\\}', 'yes'],
    ['-e', 'a+', 'a+', 'yes'],
    ['-e', 'b', 'a\\\\|b', 'yes'],
    ['', 'a]b', 'a[]]b', 'yes'],
    ['', 'a\\\\b', 'a[\\\\]b', 'yes'],
    ['', 'ab', 'a[[=b=]]', 'yes'],
    ['', 'é', '[[:alpha:]]', 'no'],
  ];
  for (const [options, value, pattern, expected] of tries) {
    t.is(assertSame(t, { script: matches(options, value, pattern) }).stdout, `${expected}\n`, `${options} ${value} ${pattern}`);
  }
});

test('case: REG_NEWLINE (a line of the value may match; . and [^…] never match a newline), regcomp errors', (t) => {
  t.is(assertSame(t, { script: matches('', 'a\\nb', 'b') }).stdout, 'yes\n');
  t.is(assertSame(t, { script: matches('', 'a\\nb', 'a.b') }).stdout, 'no\n');
  t.is(assertSame(t, { script: matches('', 'a\\nb', 'a[^x]b') }).stdout, 'no\n');
  for (const pattern of ['[[:nope:]]', '[a', 'a{b']) assertSame(t, { script: matches('', 'x', pattern) });
});

test('case -s: fnmatch with classes; -e is FNM_NOESCAPE, -N FNM_PATHNAME, -i FNM_PERIOD (as execline passes them)', (t) => {
  const tries: Array<[string, string, string, string]> = [
    ['-s', 'file.txt', '*.[[:alpha:]]xt', 'yes'],
    ['-s', 'a/b', 'a[[:punct:]]b', 'yes'],
    ['-s -N', 'a/b', 'a?b', 'no'],
    ['-s', 'ab', 'a[!a]', 'yes'],
    ['-s -e', 'a\\\\b', 'a\\\\b', 'yes'],
    ['-s', '.hidden', '*hidden', 'yes'],
    ['-s -i', '.hidden', '*hidden', 'no'],
    ['-s', '[a', '[a', 'yes'],
    ['-s', 'A', '[[:nope:]]', 'no'],
  ];
  for (const [options, value, pattern, expected] of tries) {
    t.is(assertSame(t, { script: matches(options, value, pattern) }).stdout, `${expected}\n`, `${options} ${value} ${pattern}`);
  }
});
