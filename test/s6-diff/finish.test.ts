/**
 * finish and deaths, under Debian's s6-svscan and under nuwa svscan: finish exit 125 (permanent failure), a finish that
 * hangs past timeout-finish, and max-death-tally.
 */
import test from 'ava';
import { requireCommand } from '../helpers';
import { assertSame, differential, journaled, journaledFinish, rootPath } from './harness';

test.before(() => {
  for (const tool of ['s6-svscan', 's6-svc', 's6-svstat', 's6-svwait', 's6-svdt']) requireCommand(tool, 's6');
});

test('finish exiting 125 keeps the service down (OD), and s6-svwait -U counts it as a permanent failure', async (t) => {
  const result = await differential({
    services: { perm: { run: journaled('exit 1'), finish: journaledFinish('exit 125'), files: { down: '' } } },
    async steps(trial) {
      await trial.until('perm supervised', () => trial.events('perm') === 's');
      const waiter = trial.svwait(['-U', '-t', '30000'], ['perm']);
      await waiter.subscribed;
      trial.svc('perm', '-u');
      await trial.until('perm down for good', () => trial.count('perm', 'O') === 1 && trial.count('perm', 'D') === 1);
      const code = await waiter.exited;
      await trial.snapshot('run exited 1, finish exited 125: down, want down', { 's6-svwait -U exit code': String(code) });
      trial.svc('perm', '-u');
      await trial.until('perm failed again', () => trial.count('perm', 'O') === 2);
      await trial.snapshot('-u: ran again, failed permanently again');
    },
  });
  assertSame(t, result);
});

test('a finish that hangs past timeout-finish is killed, and the service restarts', async (t) => {
  const result = await differential({
    services: {
      slow: { run: journaled('exec sleep 100041'), finish: journaledFinish('exec sleep 100042'), files: { 'timeout-finish': '3000\n' } },
    },
    async steps(trial) {
      await trial.untilStarted('slow', 1); // not just spawned: -d's SIGTERM before its first line would lose that line
      trial.svc('slow', '-d');
      await trial.until('finish running', () => trial.count('slow', 'd') === 1 && trial.processes().includes('sleep 100042'));
      await trial.snapshot('-d: run killed, finish running');
      await trial.until('finish killed after timeout-finish', () => trial.count('slow', 'D') === 1);
      await trial.snapshot('finish killed: down, nothing runs');
      trial.svc('slow', '-u');
      await trial.untilStarted('slow', 2); // likewise before -k
      trial.svc('slow', '-k');
      await trial.until('finish killed, then run restarted', () => trial.count('slow', 'D') === 2 && trial.count('slow', 'u') === 3);
      await trial.snapshot('-k: finish hung, was killed, run restarted');
    },
  });
  assertSame(t, result);
});

test('max-death-tally keeps the newest deaths only; finish sees the exit code', async (t) => {
  // run fails three times, then stays up: the tally must hold the last two failures (and s6-svdt must read it).
  const count = rootPath('crashy-count');
  const run = journaled(
    `n=$(cat ${count} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${count}\n[ $n -le 3 ] && exit 7\nexec sleep 100051`,
  );
  const result = await differential({
    services: { crashy: { run, finish: journaledFinish(), files: { 'max-death-tally': '2\n' } } },
    async steps(trial) {
      await trial.until('crashy up for good after three failures', () => trial.count('crashy', 'u') === 4);
      await trial.snapshot('three deaths, two kept');
      trial.svc('crashy', '-k');
      await trial.until('crashy restarted', () => trial.count('crashy', 'u') === 5);
      await trial.snapshot('-k: the SIGKILL is the newest death');
    },
  });
  assertSame(t, result);
});
