/** check-execline: the programs an execline chain runs past its chaining programs, as `--check` looks them up. */
import test from 'ava';
import { chainPrograms } from '../../supervisor/src/overlay/check-execline';

const programs = (text: string): string[] => chainPrograms(text).map(({ program, line }) => `${line}:${program}`);

test('a linuxserver-style run script: the program the chain ends with, and the first program of each block', (t) => {
  const run = [
    '#!/command/execlineb -P',
    'with-contenv',
    's6-setuidgid abc',
    'fdmove -c 2 1',
    'importas -i -D 8080 PORT PORT',
    'foreground { s6-echo starting }',
    'if -n { eltest -f /config/lock }',
    'backtick -E HOST { cat /etc/hostname }',
    's6-notifyoncheck -d -n 300 -w 1000 -c "nc -z localhost 8080"',
    'exec -a myapp /app/bin/myapp --port 8080',
  ].join('\n');
  t.deepEqual(programs(run), ['6:s6-echo', '7:eltest', '8:cat', '10:/app/bin/myapp']);
});

test('oneshot up lines: blocks within blocks, data blocks skipped, a substituted program not looked up', (t) => {
  t.deepEqual(programs('if { foreground { redirfd -w 1 /dev/null mkdir -p /x } chown app /x }\n/etc/s6-overlay/scripts/init\n'), [
    '1:mkdir',
    '1:chown',
    '2:/etc/s6-overlay/scripts/init',
  ]);
  t.deepEqual(programs('multisubstitute { importas -i A A define B b }\nforx -E X { a b c } s6-echo $X\n'), ['2:s6-echo']);
  t.deepEqual(programs('importas -i APP APP\n$APP --serve\n'), []);
  t.deepEqual(programs('foreground { unclosed\n'), []);
});
