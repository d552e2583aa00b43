/**
 * A crash loop the restart policy does not count as failures (nuwa-restart-min-uptime 0 restarts every death at once):
 * the machine reports each such death, and CrashLoopReport says "crash-looping", with the count, once a minute.
 */
import test from 'ava';
import { initialState, transition, type Action, type Now } from '../../supervisor/src/supervise/machine';
import { CRASH_LOOP_WINDOW_MS, CrashLoopReport } from '../../supervisor/src/supervise/failure-report';
import { DEFAULT_SETTINGS, type ServiceSettings } from '../../supervisor/src/supervise/settings';
import type { Logger } from '../../supervisor/src/sys/logger';

const at = (ms: number): Now => ({ tain: BigInt(ms) * 1_000_000n + 1_700_000_000_000_000_000n, mono: ms });

function recorder(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const keep = (m: string) => lines.push(m);
  return { log: { error: keep, warn: keep, info: keep, debug: keep }, lines };
}

function deathActions(settings: ServiceSettings, requested = false): Action[] {
  let [state] = transition(initialState(at(0), settings), { type: 'boot', now: at(0), normallyUp: true });
  [state] = transition(state, { type: 'run-spawned', pid: 100, settings, now: at(1) });
  if (requested) [state] = transition(state, { type: 'control', letter: 'r', now: at(2) });
  return transition(state, { type: 'run-died', pid: 100, wstat: 1 << 8, settings, now: at(4) })[1];
}

test('machine: a death restarted at once without counting as a failure is reported; a requested one or a failure is not', (t) => {
  const zero = { ...DEFAULT_SETTINGS, restart: { ...DEFAULT_SETTINGS.restart, minUptimeMs: 0 } };
  t.deepEqual(
    deathActions(zero).find((a) => a.type === 'unasked-death'),
    { type: 'unasked-death', wstat: 1 << 8, uptimeMs: 3, minUptimeMs: 0 },
  );
  t.falsy(deathActions(zero, true).find((a) => a.type === 'unasked-death'));
  const normal = deathActions(DEFAULT_SETTINGS);
  t.truthy(normal.find((a) => a.type === 'failed'));
  t.falsy(normal.find((a) => a.type === 'unasked-death'));
});

test('CrashLoopReport: nothing for a few deaths; one line at the 10th within a minute; then one a minute with the count', (t) => {
  const { log, lines } = recorder();
  const report = new CrashLoopReport(log, 'svc');
  let now = 1000;
  for (let i = 0; i < 9; i++) report.died('run exited 1', 2, 0, (now += 5));
  t.deepEqual(lines, []);
  report.died('run exited 1', 2, 0, (now += 5));
  t.is(lines.length, 1);
  t.regex(lines[0] ?? '', /^svc: crash-looping: run died 10 times in 45 ms \(the last: run exited 1 after 2 ms\), restarted at once/);
  t.regex(lines[0] ?? '', /nuwa-restart-min-uptime \(0 ms\)/);
  // 10,000 more deaths within the minute: counted, not said
  for (let i = 0; i < 10_000; i++) report.died('run exited 1', 2, 0, (now += 5));
  t.is(lines.length, 1);
  now = 1050 + CRASH_LOOP_WINDOW_MS;
  report.died('run exited 1', 3, 0, now);
  t.is(lines.length, 2);
  t.regex(lines[1] ?? '', /^svc: still crash-looping: run died 10001 more times in 60 s \(the last: run exited 1 after 3 ms\)/);
});

test('CrashLoopReport: deaths spread out (fewer than 10 a minute) are no loop; a loop after a quiet spell is said anew', (t) => {
  const { log, lines } = recorder();
  const report = new CrashLoopReport(log, 'svc');
  let now = 0;
  for (let i = 0; i < 50; i++) report.died('run exited 1', 2, 0, (now += 7000));
  t.deepEqual(lines, []);
  for (let i = 0; i < 10; i++) report.died('run exited 2', 2, 0, (now += 1));
  t.is(lines.length, 1);
  now += 10 * CRASH_LOOP_WINDOW_MS;
  for (let i = 0; i < 10; i++) report.died('run exited 3', 2, 0, (now += 1));
  t.is(lines.length, 2);
  t.regex(lines[1] ?? '', /^svc: crash-looping: .*run exited 3/);
});
