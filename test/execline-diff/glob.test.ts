/** elglob: matches, sorting, dotfiles, marks, escapes, no match (kept or -0), usage; against Debian's elglob. */
import test from 'ava';
import { assertSame } from './harness';

const FILES = { b: '', a: '', c: '', '.hidden': '', 'x*y': '', 'sub.txt': '', '[ab]': '' };
const mkdir = 'foreground { mkdir dir dir/in .dotdir } foreground { touch dir/one dir/two dir/in/three } ';

test('elglob -s: sorted matches as words, dotfiles only for a literal dot', (t) => {
  for (const pattern of ['*', '.*', '?', '[ab]', '[!ab]*', '[[:alpha:]]', '*.txt', 'dir/*', '*/*', '*/in/*', '/dev/nul?']) {
    const out = assertSame(t, { script: `${mkdir}elglob -s X ${pattern} echo $X`, files: FILES });
    t.not(out.stdout, `${pattern}\n`);
  }
  const all = assertSame(t, { script: `${mkdir}elglob -s X * echo $X`, files: FILES });
  t.is(all.stdout, '[ab] a b c dir sub.txt x*y\n');
});

test('elglob: -m marks directories, a trailing slash keeps only them', (t) => {
  assertSame(t, { script: `${mkdir}elglob -sm X * echo $X`, files: FILES });
  const dirs = assertSame(t, { script: `${mkdir}elglob -s X */ echo $X`, files: FILES });
  t.is(dirs.stdout, 'dir/\n');
});

test('elglob: no match keeps the pattern, -0 makes it no word; escapes and -e', (t) => {
  const kept = assertSame(t, { script: 'elglob X nomatch* echo a $X b', files: FILES });
  t.is(kept.stdout, 'a nomatch* b\n');
  const none = assertSame(t, { script: 'elglob -0 X nomatch* echo a $X b', files: FILES });
  t.is(none.stdout, 'a b\n');
  const escaped = assertSame(t, { script: String.raw`elglob X x\\*y echo $X`, files: FILES });
  t.is(escaped.stdout, 'x*y\n');
  assertSame(t, { script: String.raw`elglob X \\[ab] echo $X`, files: FILES });
  assertSame(t, { script: String.raw`elglob -e X x\\*y echo $X`, files: FILES });
  assertSame(t, { script: 'elglob X a echo $X', files: FILES });
  assertSame(t, { script: 'elglob X zz echo $X ${X}s', files: FILES });
});

test('elglob: the readdir order without -s, usage errors', (t) => {
  assertSame(t, { script: `${mkdir}elglob X dir/* echo $X`, files: FILES });
  for (const script of ['elglob X', 'elglob', 'elglob -z X * echo', 'elglob X *']) assertSame(t, { script, files: FILES });
});
