/**
 * s6-rc source trees (/etc/s6-overlay/s6-rc.d) under nuwa and under the real s6-overlay: oneshots, longruns and
 * bundles with dependencies, notification-fd readiness, producer-for/consumer-for pipelines used by their
 * pipeline-name, run files committed without the execute bit. Compared: start order (as a partial order), which
 * services end up up and ready, stop order and what runs at stop, the exit code.
 */
import test from 'ava';
import { assertSame, awaitEvent, floating, journal, oneshotLine, rcService, runBoth, script, stateCmd } from './harness';

const FAST_STOP = { S6_KILL_GRACETIME: '200' };

test('oneshots, longruns and bundles with dependencies: start in dependency order, stop in reverse, before cont-finish.d', async (t) => {
  const runs = await runBoth({
    files: {
      'etc/cont-init.d/10-init': script('cont-init:10-init'),
      ...rcService('init-db', 'oneshot', { up: oneshotLine('up:init-db'), down: oneshotLine('down:init-db'), 'dependencies.d/base': '' }),
      ...rcService('db', 'longrun', {
        run: script('run:db', `${journal('ready:db')}\necho >&3\nexec sleep 1000`),
        finish: script('finish:db'),
        'notification-fd': '3\n',
        'dependencies.d/init-db': '',
      }),
      ...rcService('web', 'longrun', { run: script('run:web', 'exec sleep 1000'), finish: script('finish:web'), 'dependencies.d/db': '' }),
      ...rcService('side', 'oneshot', { up: oneshotLine('up:side'), down: oneshotLine('down:side') }),
      ...rcService('app', 'bundle', { 'contents.d/web': '', 'contents.d/side': '' }),
      'etc/s6-overlay/s6-rc.d/user/contents.d/app': '',
      'etc/cont-finish.d/10-bye': script('cont-finish:10-bye'),
    },
    cmd: stateCmd(['db', 'web'], 2),
    env: FAST_STOP,
  });
  // side depends on nothing: s6-rc runs it alongside everything before CMD, and brings it down alongside the rest.
  const before = ['cont-init:10-init', 'up:init-db', 'run:db', 'ready:db', 'run:web'];
  const after = ['finish:web', 'finish:db', 'down:init-db', 'cont-finish:10-bye'];
  assertSame(t, runs, { unordered: [...floating('up:side', before), ...floating('down:side', after)] });
});

test('a pipeline (producer-for / consumer-for) used by its pipeline-name in a bundle and in a dependencies.d', async (t) => {
  const runs = await runBoth({
    files: {
      ...rcService('prod', 'longrun', {
        run: script('run:prod', 'echo >&3\necho line-from-prod\nexec sleep 1000'),
        'producer-for': 'cons\n',
        'notification-fd': '3\n',
      }),
      ...rcService('cons', 'longrun', {
        run: script('run:cons', `echo >&3\nread line\necho "cons-got:$line" >> /tmp/journal\nexec cat > /dev/null`),
        'consumer-for': 'prod\n',
        'pipeline-name': 'pipe\n',
        'notification-fd': '3\n',
      }),
      // Ready means its run has journaled: what needs the pipeline starts after both lines.
      ...rcService('after', 'oneshot', { up: oneshotLine('up:after'), 'dependencies.d/pipe': '' }),
      ...rcService('app', 'bundle', { 'contents.d/pipe': '', 'contents.d/after': '' }),
      'etc/s6-overlay/s6-rc.d/user/contents.d/app': '',
    },
    // CMD waits until the consumer has read the producer's line.
    cmd: stateCmd(['prod', 'cons'], 0, [awaitEvent('cons-got')]),
    env: FAST_STOP,
  });
  assertSame(t, runs, {
    unordered: [
      ['run:prod', 'run:cons'],
      ['up:after', 'cons-got:line-from-prod'],
    ],
  });
});

test('longrun run and finish committed without the execute bit run as s6-rc-compile would give them (0755)', async (t) => {
  const runs = await runBoth({
    files: {
      ...rcService('plain', 'longrun', {
        run: { content: script('run:plain', 'exec sleep 1000'), mode: 0o644 },
        finish: { content: script('finish:plain'), mode: 0o644 },
        'dependencies.d/base': '',
      }),
      'etc/s6-overlay/s6-rc.d/user/contents.d/plain': '',
    },
    cmd: stateCmd(['plain'], 0),
    env: FAST_STOP,
  });
  assertSame(t, runs);
});

test('a user2 service starts after services.d, and stops before it', async (t) => {
  const runs = await runBoth({
    files: {
      'etc/services.d/legacy/run': script('run:legacy', 'exec sleep 1000'),
      'etc/services.d/legacy/finish': script('finish:legacy'),
      // user2 services are ordered after services.d only by their own dependency, as s6-overlay documents.
      ...rcService('late', 'oneshot', { up: oneshotLine('up:late'), down: oneshotLine('down:late'), 'dependencies.d/legacy-services': '' }),
      'etc/s6-overlay/s6-rc.d/user2/contents.d/late': '',
      ...rcService('early', 'oneshot', { up: oneshotLine('up:early'), down: oneshotLine('down:early'), 'dependencies.d/base': '' }),
      'etc/s6-overlay/s6-rc.d/user/contents.d/early': '',
    },
    cmd: stateCmd([], 0),
    env: { ...FAST_STOP, S6_CMD_WAIT_FOR_SERVICES: '1' },
  });
  assertSame(t, runs);
});

for (const [what, up, env] of [
  ['fails', `/bin/sh -c "${journal('up:bad')}; exit 1"\n`, {}],
  [
    'outlives S6_CMD_WAIT_FOR_SERVICES_MAXTIME',
    `/bin/sh -c "${journal('up:bad')}; sleep 100"\n`,
    // The limit covers the whole start-up, cont-init.d too: generous, so that a loaded machine still gets to bad.
    { S6_CMD_WAIT_FOR_SERVICES_MAXTIME: '10000' },
  ],
] as const) {
  test(`S6_BEHAVIOUR_IF_STAGE2_FAILS=2 and a oneshot that ${what}: the container stops before CMD, with s6-rc's code`, async (t) => {
    const runs = await runBoth({
      files: {
        'etc/cont-init.d/10-init': script('cont-init:10-init'),
        ...rcService('bad', 'oneshot', { up, 'dependencies.d/base': '' }),
        'etc/s6-overlay/s6-rc.d/user/contents.d/bad': '',
        'etc/services.d/svc/run': script('run:svc', 'exec sleep 1000'),
        'etc/cont-finish.d/10-bye': script('cont-finish:10-bye'),
      },
      cmd: stateCmd([], 0),
      env: { ...FAST_STOP, S6_BEHAVIOUR_IF_STAGE2_FAILS: '2', ...env },
    });
    assertSame(t, runs);
  });
}
