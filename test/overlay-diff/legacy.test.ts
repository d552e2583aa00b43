/**
 * The legacy layout (/etc/cont-init.d, /etc/services.d with loggers and finish scripts, /etc/cont-finish.d) under
 * nuwa and under the real s6-overlay: start order, stop order, what runs at stop, exit codes.
 */
import test from 'ava';
import { assertSame, awaitEvent, journal, rcService, runBoth, script, stateCmd } from './harness';

const FAST_STOP = { S6_KILL_GRACETIME: '200' };
/** CMD waits for services.d services to be up (without it, CMD's look at their state races their supervisors' start). */
const WAIT = { ...FAST_STOP, S6_CMD_WAIT_FOR_SERVICES: '1' };

/** A finish script that takes a while, then leaves a marker cont-finish.d looks for. */
const slowFinish = (name: string) =>
  script(`finish:${name}:start`, `sleep 1\ntouch /tmp/finished-${name}\n${journal(`finish:${name}:end`)}`);
const markerCheck = (names: string[]) =>
  script(
    'cont-finish:check',
    names
      .map(
        (n) => `if [ -e /tmp/finished-${n} ]; then ${journal(`cont-finish:${n}-done`)}; else ${journal(`cont-finish:${n}-NOT-done`)}; fi`,
      )
      .join('\n'),
  );

test('services.d: cont-finish.d starts only once every finish script (and the loggers) are done', async (t) => {
  const runs = await runBoth({
    files: {
      'etc/cont-init.d/10-first': script('cont-init:10-first'),
      'etc/cont-init.d/20-second': script('cont-init:20-second'),
      'etc/services.d/alpha/run': script('run:alpha', 'exec sleep 1000'),
      'etc/services.d/alpha/finish': slowFinish('alpha'),
      'etc/services.d/beta/run': script('run:beta', 'echo "beta says hi"\nexec sleep 1000'),
      'etc/services.d/beta/finish': slowFinish('beta'),
      'etc/services.d/beta/log/run': script('run:beta-log', 'exec cat > /tmp/beta-log'),
      'etc/cont-finish.d/10-check': markerCheck(['alpha', 'beta']),
      'etc/cont-finish.d/20-last': script('cont-finish:20-last'),
    },
    cmd: stateCmd(['alpha', 'beta'], 3, ['run:alpha', 'run:beta', 'run:beta-log'].map(awaitEvent)),
    env: WAIT,
  });
  // services.d services (and a logger) start side by side, and stop side by side.
  const parallel = [
    ['run:alpha', 'run:beta', 'run:beta-log'],
    ['finish:alpha:start', 'finish:beta:start', 'finish:alpha:end', 'finish:beta:end'],
    ['state:alpha:true false', 'state:beta:true false'],
  ];
  assertSame(t, runs, { unordered: parallel });
  t.true(runs.nuwa.journal.includes('cont-finish:alpha-done'), runs.nuwa.journal.join('\n'));
});

test('S6_SERVICES_GRACETIME bounds the wait for finish scripts: cont-finish.d then runs without them', async (t) => {
  const runs = await runBoth({
    files: {
      'etc/services.d/slow/run': script('run:slow', 'exec sleep 1000'),
      'etc/services.d/slow/finish': script('finish:slow:start', 'sleep 30\ntouch /tmp/finished-slow'),
      'etc/cont-finish.d/10-check': markerCheck(['slow']),
    },
    cmd: stateCmd(['slow'], 0, [awaitEvent('run:slow')]),
    env: { ...WAIT, S6_SERVICES_GRACETIME: '300' },
  });
  assertSame(t, runs);
});

test('cont-init.d failing with S6_BEHAVIOUR_IF_STAGE2_FAILS=2: no services, no CMD, cont-finish.d runs, same exit code', async (t) => {
  const runs = await runBoth({
    files: {
      'etc/cont-init.d/10-ok': script('cont-init:10-ok'),
      'etc/cont-init.d/20-fails': script('cont-init:20-fails', 'exit 4'),
      'etc/cont-init.d/30-after': script('cont-init:30-after'),
      'etc/services.d/svc/run': script('run:svc', 'exec sleep 1000'),
      'etc/cont-finish.d/10-bye': script('cont-finish:10-bye'),
    },
    cmd: stateCmd(['svc'], 0),
    env: { ...FAST_STOP, S6_BEHAVIOUR_IF_STAGE2_FAILS: '2' },
  });
  assertSame(t, runs);
});

test('cont-init.d failing by default (S6_BEHAVIOUR_IF_STAGE2_FAILS=0): the boot goes on', async (t) => {
  const runs = await runBoth({
    files: {
      'etc/cont-init.d/10-fails': script('cont-init:10-fails', 'exit 4'),
      'etc/cont-init.d/20-after': script('cont-init:20-after'),
      'etc/services.d/svc/run': script('run:svc', 'exec sleep 1000'),
    },
    cmd: stateCmd(['svc'], 5, [awaitEvent('run:svc')]),
    env: WAIT,
  });
  assertSame(t, runs);
});

/*
 * Observed: under s6-overlay v3.1.5.0, `s6-svscanctl -t /run/service` makes s6-svscan stop every supervisor (their
 * finish scripts run) and the container ends with the code the finish script wrote — but stage 3 never runs: no
 * s6-rc service goes down (a oneshot's down is not run) and /etc/cont-finish.d is skipped. s6-overlay's documentation
 * says to call /run/s6/basedir/bin/halt instead; nuwa treats `-t` as that halt (what the v2 habit meant: v2 ran stage
 * 3 there), so its downs and cont-finish.d run too (docs/s6-overlay.md).
 */
test('a services.d finish script that calls s6-svscanctl -t /run/service ends the container, with its exit code', async (t) => {
  const runs = await runBoth({
    files: {
      'etc/services.d/main/run': script('run:main', `${awaitEvent('run:other')}\nexit 7`),
      'etc/services.d/main/finish': script(
        'finish:main',
        'echo "$1" > /run/s6-linux-init-container-results/exitcode\nexec s6-svscanctl -t /run/service',
      ),
      'etc/services.d/other/run': script('run:other', 'exec sleep 1000'),
      'etc/services.d/other/finish': script('finish:other'),
      'etc/s6-overlay/s6-rc.d/one/type': 'oneshot\n',
      'etc/s6-overlay/s6-rc.d/one/up': `/bin/sh -c "${journal('up:one')}"\n`,
      'etc/s6-overlay/s6-rc.d/one/down': `/bin/sh -c "${journal('down:one')}"\n`,
      'etc/s6-overlay/s6-rc.d/user/contents.d/one': '',
      'etc/cont-finish.d/10-bye': script('cont-finish:10-bye'),
    },
    env: FAST_STOP,
  });
  assertSame(t, runs, { unordered: [['run:main', 'run:other']], nuwaOnly: ['down:one', 'cont-finish:10-bye'] });
});

test('halt from a finish script: stage 3 under both (a oneshot needing base goes down before cont-finish.d), its exit code', async (t) => {
  const runs = await runBoth({
    files: {
      'etc/services.d/main/run': script('run:main', 'sleep 0.2\nexit 6'),
      'etc/services.d/main/finish': script(
        'finish:main',
        '[ "$1" = 256 ] && exit 0\necho "$1" > /run/s6-linux-init-container-results/exitcode\nexec /run/s6/basedir/bin/halt',
      ),
      'etc/s6-overlay/s6-rc.d/one/type': 'oneshot\n',
      'etc/s6-overlay/s6-rc.d/one/up': `/bin/sh -c "${journal('up:one')}"\n`,
      'etc/s6-overlay/s6-rc.d/one/down': `/bin/sh -c "${journal('down:one')}"\n`,
      'etc/s6-overlay/s6-rc.d/one/dependencies.d/base': '',
      'etc/s6-overlay/s6-rc.d/user/contents.d/one': '',
      'etc/cont-finish.d/10-bye': script('cont-finish:10-bye'),
    },
    env: FAST_STOP,
  });
  assertSame(t, runs);
});

test('docker stop (SIGTERM to PID 1) without CMD: services down in reverse, cont-finish.d last, exit 0', async (t) => {
  const runs = await runBoth({
    files: {
      'etc/cont-init.d/10-init': script('cont-init:10-init'),
      ...rcService('db', 'longrun', { run: script('run:db', 'exec sleep 1000'), finish: script('finish:db'), 'dependencies.d/base': '' }),
      'etc/s6-overlay/s6-rc.d/user/contents.d/db': '',
      'etc/services.d/web/run': script('run:web', 'exec sleep 1000'),
      'etc/services.d/web/finish': slowFinish('web'),
      'etc/cont-finish.d/10-check': markerCheck(['web']),
    },
    stopWhen: 'run:web',
    env: FAST_STOP,
  });
  assertSame(t, runs);
});

test('a service that ignores SIGTERM: S6_SERVICES_GRACETIME, then cont-finish.d, then the final kill; exit code from CMD', async (t) => {
  const runs = await runBoth({
    files: {
      'etc/services.d/stubborn/run': script('run:stubborn', "trap '' TERM\nwhile :; do sleep 0.1; done"),
      'etc/cont-finish.d/10-bye': script('cont-finish:10-bye'),
    },
    cmd: stateCmd([], 9, [awaitEvent('run:stubborn')]),
    env: { S6_KILL_GRACETIME: '500', S6_SERVICES_GRACETIME: '300' },
  });
  assertSame(t, runs);
});

test('a services.d run without the execute bit does not run under either (s6-overlay copies it with its mode)', async (t) => {
  const runs = await runBoth({
    files: {
      'etc/services.d/plain/run': { content: script('run:plain', 'exec sleep 1000'), mode: 0o644 },
      'etc/services.d/fine/run': script('run:fine', 'exec sleep 1000'),
    },
    cmd: stateCmd([], 0, [awaitEvent('run:fine')]),
    env: FAST_STOP,
  });
  assertSame(t, runs);
});
