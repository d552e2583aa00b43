/**
 * Where nuwa deliberately differs from s6: the restart delay. s6 waits 1 s before restarting any service that was not
 * ready; nuwa restarts at once a service that had been up for at least 1 s (or whose death the user asked for), and
 * backs off a service that keeps dying soon after its start: 1 s, 2 s, 4 s … (README "Restart policy").
 * Gaps are measured from the supervisor's own records (death time in death_tally, start time in status), and only
 * lower bounds are asserted where a machine under load could only make them longer.
 */
import test from 'ava';
import { readDeathTally } from '../../supervisor/src/wire/death-tally';
import { readStatus } from '../../supervisor/src/wire/status';
import { toMilliseconds } from '../../supervisor/src/wire/tai64n';
import { requireCommand } from '../helpers';
import { journaled, Trial } from './harness';
import { svstatFields, type ScannerKind } from '../helpers/s6';

test.before(() => {
  for (const tool of ['s6-svscan', 's6-svc', 's6-svstat']) requireCommand(tool, 's6');
});

/** Milliseconds between the newest death in death_tally and the start recorded in status. */
function restartGap(trial: Trial, service: string): number {
  const deaths = readDeathTally(trial.dir(service));
  const death = deaths[deaths.length - 1];
  if (!death) throw new Error(`${service}: no death recorded`);
  return toMilliseconds(readStatus(trial.dir(service)).stamp - death.at);
}

async function gapAfterDeath(kind: ScannerKind, how: 'svc -k' | 'exits by itself'): Promise<number> {
  let gap = NaN;
  const trial = new Trial(kind, 's6', {
    services: { a: { run: journaled('read x < @ROOT@/go\nexit 3') } },
    prepare: (t) => t.makeTrigger('go'),
    async steps(t) {
      await t.until(
        'a up for a second',
        () => t.count('a', 'u') === 1 && Number(svstatFields(t.dir('a'), ['updownfor'])['updownfor']) >= 1,
      );
      if (how === 'svc -k') t.svc('a', '-k');
      else t.trigger('go');
      await t.until('a restarted', () => t.count('a', 'u') === 2);
      gap = restartGap(t, 'a');
    },
  });
  await trial.runSteps();
  return gap;
}

for (const how of ['svc -k', 'exits by itself'] as const) {
  test(`a service up for 1 s that dies (${how}): nuwa restarts it at once, s6 after 1 s`, async (t) => {
    const [s6, nuwa] = await Promise.all([gapAfterDeath('s6', how), gapAfterDeath('nuwa', how)]);
    t.log(`restart gap: s6 ${s6} ms, nuwa ${nuwa} ms`);
    t.true(s6 >= 1000, `s6 waits 1 s (measured ${s6} ms): the behaviour nuwa improves on`);
    t.true(nuwa < 1000, `nuwa restarts at once, without s6's 1 s wait (measured ${nuwa} ms)`);
  });
}

test('a crash loop: nuwa backs off 1 s, 2 s, 4 s between starts (s6: 1 s each time)', async (t) => {
  // run exits at once, so the time between two deaths is the restart delay (plus a few ms of running).
  const gaps: Record<ScannerKind, number[]> = { s6: [], nuwa: [] };
  const loop = (kind: ScannerKind) =>
    new Trial(kind, 's6', {
      services: { crashy: { run: journaled('exit 1') } },
      async steps(trial) {
        await trial.until('four deaths', () => trial.count('crashy', 'D') >= 4);
        trial.svc('crashy', '-d');
        const at = readDeathTally(trial.dir('crashy')).map((d) => toMilliseconds(d.at));
        for (let i = 1; i < 4; i++) gaps[kind].push((at[i] as number) - (at[i - 1] as number));
      },
    }).runSteps();
  await Promise.all([loop('s6'), loop('nuwa')]);
  t.log(`time between deaths: s6 ${gaps.s6.join(', ')} ms; nuwa ${gaps.nuwa.join(', ')} ms`);
  t.true(
    gaps.s6.every((g) => g >= 1000),
    's6 waits at least 1 s each time',
  );
  const [first, second, third] = gaps.nuwa as [number, number, number];
  t.true(first >= 1000 && second >= 2000 && third >= 4000, `nuwa backs off 1 s, 2 s, 4 s (measured ${gaps.nuwa.join(', ')} ms)`);
});
