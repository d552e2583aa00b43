/**
 * Readiness (notification-fd) with s6-svwait -U and s6-svc -wR/-wD, and a logger pipe that survives restarts of both
 * sides: under Debian's s6-svscan and under nuwa svscan.
 */
import test from 'ava';
import { requireCommand } from '../helpers';
import { assertSame, catLogger, differential, journaled, journaledFinish, rootPath } from './harness';

test.before(() => {
  for (const tool of ['s6-svscan', 's6-svc', 's6-svstat', 's6-svwait', 's6-svlisten1']) requireCommand(tool, 's6');
});

test('notification-fd: up, then ready when run writes a newline; s6-svwait -U and s6-svc -wR -wD wait for it', async (t) => {
  // The first start blocks until the test pulls the trigger; later starts notify at once.
  const run = journaled(
    `[ -e ${rootPath('notified-once')} ] || { read x < ${rootPath('go')}; touch ${rootPath('notified-once')}; }\n` +
      `echo >&3\nexec sleep 100061`,
  );
  const result = await differential({
    services: { notif: { run, finish: journaledFinish(), files: { 'notification-fd': '3\n' } } },
    prepare: (trial) => trial.makeTrigger('go'),
    async steps(trial) {
      // up means spawned: the snapshot below (taken inside the run script) needs it past its journal line
      await trial.untilStarted('notif', 1);
      const waiter = trial.svwait(['-U', '-t', '30000'], ['notif']);
      await waiter.subscribed;
      let waited: number | null | 'still waiting' = 'still waiting';
      void waiter.exited.then((code) => (waited = code));
      await trial.snapshot('up, not ready yet', { 's6-svwait -U': String(waited) }, undefined, ['notif']);
      trial.trigger('go');
      await trial.until('notif ready', () => trial.count('notif', 'U') === 1);
      await trial.snapshot('ready', { 's6-svwait -U exit code': String(await waiter.exited) });
      // -wU would return at once (the service is up and ready already); -wR waits for down, then up and ready.
      const restart = trial.svc('notif', '-wR', '-T', '30000', '-r');
      await trial.snapshot('s6-svc -wR -r returned: restarted and ready', { 'svc -wR -r exit code': String(restart) });
      const down = trial.svc('notif', '-wD', '-T', '30000', '-d');
      await trial.snapshot('s6-svc -wD -d returned: down, finish done', { 'svc -wD -d exit code': String(down) });
    },
  });
  assertSame(t, result);
});

test('the logger pipe survives restarts of the service and of the logger, and keeps what was written meanwhile', async (t) => {
  const count = rootPath('talker-count');
  const run = journaled(
    `n=$(( $(cat ${count} 2>/dev/null || echo 0) + 1 )); echo $n > ${count}\necho "talker start $n"\nexec sleep 100071`,
  );
  const result = await differential({
    services: { talker: { run, log: catLogger('talker') } },
    loggers: ['talker'],
    async steps(trial) {
      await trial.until('talker and its logger up, first line logged', () => trial.logged('talker') === 'talker start 1\n');
      await trial.snapshot('first line logged');
      trial.svc('talker/log', '-k');
      await trial.until('logger restarted', () => trial.count('talker/log', 'u') === 2);
      trial.svc('talker', '-k');
      // The line can reach the logger before the supervisor's `u` event is read: wait for both, on either side.
      await trial.until(
        'second line logged by the new logger, and its start announced',
        () => trial.logged('talker') === 'talker start 1\ntalker start 2\n' && trial.count('talker', 'u') === 2,
      );
      await trial.snapshot('both sides restarted, nothing lost');
      trial.svc('talker/log', '-d');
      await trial.until('logger down', () => trial.count('talker/log', 'D') === 2);
      trial.svc('talker', '-k');
      await trial.until(
        'talker restarted while its logger is down, and done writing',
        () =>
          trial.count('talker', 'u') === 3 &&
          trial.processes().includes('sleep 100071') &&
          !trial.processes().includes('/bin/sh ./run talker'),
      );
      await trial.snapshot('a line waits in the pipe');
      trial.svc('talker/log', '-u');
      await trial.until('the waiting line logged', () => trial.logged('talker').endsWith('talker start 3\n'));
      await trial.snapshot('logger back: the line written meanwhile arrives');
    },
  });
  assertSame(t, result);
});
