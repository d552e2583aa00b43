/**
 * Whose child is what: background -d, pipeline -d and heredoc's writer (double-forked or not), and wait's modes (-r, -t, -i, -o,
 * without a block), compared with Debian's execline.
 */
import test from 'ava';
import { assertSame } from './harness';

/** The final program: says what the process `$1` runs and whether it is its own child, then ends it. */
const PARENT_OF = '/bin/sh -c "read x c s p r < /proc/$1/stat; kill $1; [ $p = $$ ] && echo $c child || echo $c detached" sh $!';
/**
 * The final program: reads its stdin, then counts its children (perl, which reaps none unasked: a shell would reap
 * heredoc's writer while waiting for a command of its own).
 */
const CHILDREN = [
  'perl -e "undef $/; $d = <STDIN>; open F, q{/proc/self/task/}.$$.q{/children}; @c = split q{ }, <F>;',
  'print length($d), q{ children }, scalar(@c)"',
].join(' ');
/** A document larger than a pipe holds (91000 bytes), made by the script: its words stay short. */
const DOCUMENT = 'backtick -n D { /bin/sh -c "yes line | head -c 91000" } importas -u D D';
/** A background child that lives as long as the chain's process (it reads a pipe whose write end the chain holds). */
const LINGERING = 'piperw 3 4 background { /bin/sh -c "exec 4>&- 0<&3 3<&-; exec cat" } fdclose 3';

test("background -d double-forks: its program is nobody's child, and $! is its pid", (t) => {
  t.is(assertSame(t, { script: `background -d { sleep 30 } importas -i ! ! ${PARENT_OF}` }).stdout, '(sleep) detached\n');
  t.is(assertSame(t, { script: `background { sleep 30 } importas -i ! ! ${PARENT_OF}` }).stdout, '(sleep) child\n');
  // the grandchild says it could not exec; the chain goes on. With nothing after the block, no double fork.
  assertSame(t, { script: 'background -d { nosuchprogram-el14 } echo went on' });
  assertSame(t, { script: 'background -d { nosuchprogram-el14 }' });
});

test('pipeline -d double-forks too, its program still joined to the chain by the pipe', (t) => {
  t.is(assertSame(t, { script: `pipeline -d { sleep 30 } importas -i ! ! ${PARENT_OF}` }).stdout, '(sleep) detached\n');
  t.is(assertSame(t, { script: 'pipeline -d { echo through } tr a-z A-Z' }).stdout, 'THROUGH\n');
  t.is(assertSame(t, { script: 'pipeline -d -w { tr a-z A-Z } echo back' }).stdout, 'BACK\n');
  assertSame(t, { script: 'pipeline -d { nosuchprogram-el14 } cat' });
});

test('heredoc: a document larger than a pipe, written by a child, or with -d by a grandchild', (t) => {
  t.is(assertSame(t, { script: `${DOCUMENT} heredoc 0 $D ${CHILDREN}` }).stdout, '90999 children 1');
  t.is(assertSame(t, { script: `${DOCUMENT} heredoc -d 0 $D ${CHILDREN}` }).stdout, '90999 children 0');
  assertSame(t, { script: 'heredoc -d 0 "small\n" cat' });
});

test('wait -r and -t: reap what is dead, give up on the living (loose), or die with 99 (strict -i)', (t) => {
  t.is(assertSame(t, { script: `${LINGERING} wait -r { } echo went on` }).stdout, 'went on\n');
  t.is(assertSame(t, { script: `${LINGERING} wait -I -t 100 { } echo went on` }).stdout, 'went on\n');
  t.is(assertSame(t, { script: `${LINGERING} wait -i -r { } echo went on` }).code, 99);
  t.is(assertSame(t, { script: `${LINGERING} importas -i ! ! wait -i -t 100 { $! } echo went on` }).code, 99);
  // no block: the exit code is the listed child's status, 127 when it did not die in time
  t.is(assertSame(t, { script: `${LINGERING} importas -i ! ! wait -t 100 $!` }).code, 127);
  t.is(assertSame(t, { script: 'background { /bin/sh -c "exit 5" } importas -i ! ! wait -t 60000 $!' }).code, 5);
  t.is(assertSame(t, { script: 'background { /bin/sh -c "exit 5" } importas -i ! ! wait -i -t 60000 { $! } echo done' }).code, 0);
  assertSame(t, { script: 'wait -t x { } echo' });
  assertSame(t, { script: 'wait -r -z { } echo' });
});

test('wait without a block exits with the status; -o sets ? and ! to the first child to die', (t) => {
  t.is(assertSame(t, { script: 'background { /bin/sh -c "exit 3" } importas -i ! ! wait $!' }).code, 3);
  t.is(assertSame(t, { script: 'background { /bin/sh -c "kill $$" } importas -i ! ! wait $!' }).code, 143);
  t.is(assertSame(t, { script: 'wait 1' }).code, 127);
  t.is(assertSame(t, { script: 'background { /bin/sh -c "exit 3" } wait' }).code, 0);
  const one = assertSame(t, { script: 'background { /bin/sh -c "exit 4" } wait -o { } importas -i ? ? echo $?' });
  t.is(one.stdout, '4\n');
  assertSame(t, {
    script:
      'background { /bin/sh -c "exit 4" } importas -i p ! wait -o { } importas -i ! ! ifelse { eltest $p = $! } { echo same } echo other',
  });
  t.is(assertSame(t, { script: 'wait -o { } importas -D unset ? ? echo $?' }).stdout, 'unset\n');
  assertSame(t, { script: 'wait { x } echo' });
  // a child from before the exec into wait (a shell's): waited for all the same
  t.is(assertSame(t, { script: '/bin/sh -c "(exit 7) & exec wait $!"' }).code, 7);
});
