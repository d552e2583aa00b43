/**
 * The scan dir changing under a running scanner: a service added (picked up by s6-svscanctl -a; nuwa may pick it up
 * sooner through its watcher) and a service removed (pruned by s6-svscanctl -an): under Debian's s6-svscan and under
 * nuwa svscan.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requireCommand } from '../helpers';
import { assertSame, catLogger, differential, journaled, journaledFinish } from './harness';

test.before(() => {
  for (const tool of ['s6-svscan', 's6-svc', 's6-svstat', 's6-svscanctl']) requireCommand(tool, 's6');
});

test('a service added while running starts after a rescan; one removed is stopped and its supervisor exits', async (t) => {
  const result = await differential({
    services: { first: { run: journaled('exec sleep 100081') } },
    loggers: ['second'],
    async steps(trial) {
      await trial.until('first up', () => trial.count('first', 'u') === 1);
      await trial.snapshot('one service');

      // written elsewhere, then moved in whole: nuwa's watcher must not find it half-written (no log/ yet, or before
      // our event listener subscribed)
      const staged = path.join(trial.root, 'second.staged');
      trial.addService(
        'second',
        { run: journaled('echo second says hi\nexec sleep 100082'), finish: journaledFinish(), log: catLogger('second') },
        staged,
      );
      fs.renameSync(staged, trial.dir('second'));
      trial.svscanctl('-a');
      await trial.until(
        'second and its logger up, its line logged',
        () => trial.count('second', 'u') === 1 && trial.logged('second') !== '',
      );
      await trial.snapshot('second added: it and its logger run');

      // A name starting with '.' is not a service: the scanner sees second gone (the dir, and our listeners, stay).
      trial.moveService('second', '.second-removed');
      trial.svscanctl('-a', '-n');
      await trial.until(
        'second and its logger stopped, their supervisors gone',
        () => trial.count('second', 'x') === 1 && trial.count('second/log', 'x') === 1,
      );
      await trial.snapshot('second removed: stopped, finish ran, supervisors exited', {}, ['first', 'second', 'second/log']);
    },
  });
  assertSame(t, result);
});

test('a service dir deleted under a running service: after s6-svscanctl -an its process is gone, the others untouched', async (t) => {
  const result = await differential({
    services: { keeper: { run: journaled('exec sleep 100091') }, doomed: { run: journaled('exec sleep 100092') } },
    async steps(trial) {
      await trial.until('both up', () => trial.count('keeper', 'u') === 1 && trial.count('doomed', 'u') === 1);
      await trial.snapshot('two services');
      fs.rmSync(trial.dir('doomed'), { recursive: true, force: true });
      trial.svscanctl('-a', '-n');
      await trial.until('the deleted service stopped', () => !trial.processes().includes('sleep 100092'));
      await trial.snapshot('doomed deleted and pruned; keeper as before', {}, ['keeper']);
    },
  });
  assertSame(t, result);
});
