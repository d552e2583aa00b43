/**
 * s6-svc's letters, the start of a tree and the `down` file: under Debian's s6-svscan and under nuwa svscan, driven by
 * Debian's s6-svc, observed with s6-svstat, an event listener, the scripts' journals and the process list.
 */
import test from 'ava';
import { requireCommand } from '../helpers';
import { assertSame, catLogger, differential, journaled } from './harness';
import { EVERY_LETTER } from './scenarios';

test.before(() => {
  for (const tool of ['s6-svscan', 's6-svc', 's6-svstat', 's6-svscanctl', 's6-svdt']) requireCommand(tool, 's6');
  requireCommand('perl', 'perl-base'); // signal-trapping run scripts
});

test('start: a plain service, a service with a down file, a logged service', async (t) => {
  const result = await differential({
    services: {
      plain: { run: journaled('exec sleep 100001') },
      held: { run: journaled('exec sleep 100002'), files: { down: '' } },
      logged: { run: journaled('echo hello from logged\nexec sleep 100003'), log: catLogger('logged') },
    },
    loggers: ['logged'],
    async steps(trial) {
      await trial.until(
        'plain, logged and its logger up; held supervised',
        () => ['plain', 'logged', 'logged/log'].every((s) => trial.count(s, 'u') === 1) && trial.events('held') === 's',
      );
      await trial.until('the logger got the first line', () => trial.logged('logged') !== '');
      await trial.snapshot('started');
    },
  });
  assertSame(t, result);
});

test('s6-svc -d -u -p -c -o -r -k -t -h -a -b -q -i -1 -2 -x: same states, events, finish arguments and processes', async (t) => {
  assertSame(t, await differential(EVERY_LETTER));
});

test('signal letters reach run without killing it (-a -b -q -h -i -1 -2 -y, one at a time)', async (t) => {
  // run is one perl process that journals each signal it catches and keeps running; SIGTERM makes it exit 0. It
  // notifies readiness (notification-fd 3) once its handlers are in place, so no signal can come too early.
  const names = ['ALRM', 'ABRT', 'QUIT', 'HUP', 'INT', 'USR1', 'USR2', 'WINCH'];
  const perl =
    `$SIG{$_} = sub { open my $j, ">>", "@JOURNAL@"; print $j "trapped $_[0]\\n"; close $j } for qw(${names.join(' ')}); ` +
    `$SIG{TERM} = sub { exit 0 }; open my $n, ">&=3"; print $n "\\n"; close $n; sleep while 1;`;
  const run = journaled(`exec perl -e '${perl}'`);
  const result = await differential({
    services: { trapper: { run, files: { 'notification-fd': '3\n' } } },
    async steps(trial) {
      await trial.until('trapper ready', () => trial.count('trapper', 'U') === 1);
      const letters: Array<[string, string]> = [
        ['-a', 'ALRM'],
        ['-b', 'ABRT'],
        ['-q', 'QUIT'],
        ['-h', 'HUP'],
        ['-i', 'INT'],
        ['-1', 'USR1'],
        ['-2', 'USR2'],
        ['-y', 'WINCH'],
      ];
      for (const [letter, name] of letters) {
        trial.svc('trapper', letter);
        await trial.until(`trapper journaled ${name}`, () => trial.journal('trapper').includes(`trapped ${name}`));
      }
      await trial.snapshot('every signal trapped, trapper still up on its first start');
      trial.svc('trapper', '-d');
      await trial.until('trapper down', () => trial.count('trapper', 'D') === 1);
      await trial.snapshot('-d: trapper exited 0 on SIGTERM');
    },
  });
  assertSame(t, result);
});

test('the down file: -u -d -U -D -Q -O and what s6-svstat says about "normally up"', async (t) => {
  const result = await differential({
    services: { held: { run: journaled('exec sleep 100031'), files: { down: '' } } },
    async steps(trial) {
      await trial.until('held supervised', () => trial.events('held') === 's');
      await trial.snapshot('down file: not started');
      trial.svc('held', '-u');
      await trial.until('held up', () => trial.count('held', 'u') === 1);
      await trial.snapshot('-u: up, normally down');
      trial.svc('held', '-d');
      await trial.until('held down', () => trial.count('held', 'D') === 1);
      trial.svc('held', '-U');
      await trial.until('held up after -U', () => trial.count('held', 'u') === 2);
      await trial.snapshot('-U: up, down file removed');
      trial.svc('held', '-D');
      await trial.until('held down after -D', () => trial.count('held', 'D') === 2);
      await trial.snapshot('-D: down, down file back');
      trial.svc('held', '-U');
      await trial.until('held up again', () => trial.count('held', 'u') === 3);
      trial.svc('held', '-Q');
      await trial.until(
        '-Q recorded',
        () => trial.fields('held')['normallyup'] === 'false' && trial.fields('held')['wantedup'] === 'false',
      );
      await trial.snapshot('-Q: still up, want down, down file created');
      trial.svc('held', '-U');
      await trial.until('-U recorded', () => trial.fields('held')['wantedup'] === 'true');
      trial.svc('held', '-O');
      await trial.until('-O recorded', () => trial.fields('held')['wantedup'] === 'false');
      await trial.snapshot('-O: still up, want down, normally up');
      trial.svc('held', '-k');
      await trial.until('held down for good', () => trial.count('held', 'D') === 3);
      await trial.snapshot('-k after -O: stays down');
    },
  });
  assertSame(t, result);
});
