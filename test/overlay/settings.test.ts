/** S6_* variables: s6-overlay's defaults when unset, its meanings when set, one warning and the default when garbled. */
import test from 'ava';
import { setVerbosity } from '../../supervisor/src/sys/logger';
import { readSettings, VARIABLES } from '../../supervisor/src/overlay/settings';

setVerbosity(0);

test("unset: s6-overlay's documented defaults", (t) => {
  const s = readSettings(() => undefined);
  t.like(s, {
    keepEnv: false,
    logging: 0,
    stage2Policy: 0,
    killFinishMaxTime: 5000,
    servicesReadyTime: 50,
    servicesGraceTime: 3000,
    killGraceTime: 3000,
    loggingScript: 'n20 s1000000 T',
    cmdArg0: [],
    cmdWaitForServices: false,
    cmdWaitForServicesMaxTime: 0,
    readOnlyRoot: false,
    syncDisks: false,
    verbosity: 2,
    cmdReceiveSignals: false,
  });
  // The table `nuwa init --help` prints says the same.
  const table = Object.fromEntries(VARIABLES.map(([name, fallback]) => [name, fallback]));
  t.is(table.S6_KILL_FINISH_MAXTIME, String(s.killFinishMaxTime));
  t.is(table.S6_SERVICES_GRACETIME, String(s.servicesGraceTime));
  t.is(table.S6_LOGGING_SCRIPT, s.loggingScript);
});

test('set: numbers, flags, levels clamped to their range, S6_CMD_ARG0 split into words', (t) => {
  const env: Record<string, string> = {
    S6_KEEP_ENV: '1',
    S6_LOGGING: '7',
    S6_BEHAVIOUR_IF_STAGE2_FAILS: '2',
    S6_KILL_GRACETIME: '250',
    S6_CMD_ARG0: ' /usr/bin/env  FOO=1\tbar ',
    S6_VERBOSITY: '0',
    S6_WAIT_FOR_CLOSING_FD: '2',
  };
  const s = readSettings((name) => env[name]);
  t.like(s, { keepEnv: true, logging: 2, stage2Policy: 2, killGraceTime: 250, verbosity: 0, waitForClosingFd: undefined });
  t.deepEqual(s.cmdArg0, ['/usr/bin/env', 'FOO=1', 'bar']);
});

test('garbled numbers fall back to the default', (t) => {
  const s = readSettings((name) => (name === 'S6_SERVICES_GRACETIME' ? '3s' : name === 'S6_VERBOSITY' ? 'loud' : undefined));
  t.is(s.servicesGraceTime, 3000);
  t.is(s.verbosity, 2);
});
