/**
 * The S6_* variables real images set, and the container environment, under nuwa and under the real s6-overlay:
 * what with-contenv scripts see (and what scripts without it see), S6_KEEP_ENV, S6_STAGE2_HOOK,
 * S6_CMD_WAIT_FOR_SERVICES(_MAXTIME=0), S6_VERBOSITY, CMD's exit codes.
 */
import test from 'ava';
import { assertSame, awaitEvent, journal, oneshotLine, rcService, runBoth, script, stateCmd } from './harness';

const FAST_STOP = { S6_KILL_GRACETIME: '200' };

/** Journals what a script sees of the test's variables (`VAR=value` or `VAR unset`), prefixed by `who`. */
const sees = (who: string) =>
  ['T_VAR', 'T_SPACE', 'T_NEW', 'S6_VERBOSITY']
    .map(
      (v) => `if [ -n "\${${v}+x}" ]; then echo "${who}:${v}=\${${v}}" >> /tmp/journal; else echo "${who}:${v} unset" >> /tmp/journal; fi`,
    )
    .join('\n');

/** Journals the names of every variable a script sees (the shell's own PWD, SHLVL, _ left out). */
const names = (who: string) => `env | sed 's/=.*//' | grep -vx 'PWD\\|SHLVL\\|_\\|OLDPWD' | sort | sed 's/^/${who}:has:/' >> /tmp/journal`;

for (const keep of ['0', '1']) {
  test(`the container environment with S6_KEEP_ENV=${keep}: with-contenv scripts, plain scripts, oneshots, services, CMD`, async (t) => {
    const runs = await runBoth({
      files: {
        'etc/cont-init.d/10-contenv': `#!/command/with-contenv sh\n${sees('cont-init-contenv')}\n${names('cont-init-contenv')}\n`,
        'etc/cont-init.d/20-plain': `#!/bin/sh\n${sees('cont-init-plain')}\n${names('cont-init-plain')}\n`,
        'etc/cont-init.d/30-add': `#!/bin/sh\nprintf 'added' > /run/s6/container_environment/T_NEW\n${journal('cont-init:added')}\n`,
        'etc/cont-init.d/40-printcontenv': `#!/bin/sh\necho "printcontenv:$(printcontenv T_VAR)" >> /tmp/journal\n`,
        ...rcService('one', 'oneshot', {
          up: `with-contenv sh -c "sleep 0; ${sees('oneshot').replaceAll('"', '\\"')}"\n`,
          'dependencies.d/base': '',
        }),
        'etc/s6-overlay/s6-rc.d/user/contents.d/one': '',
        'etc/services.d/svc/run': `#!/command/with-contenv sh\n${sees('service')}\n${journal('run:svc')}\nexec sleep 1000\n`,
      },
      cmd: stateCmd(['svc'], 0, [awaitEvent('run:svc'), sees('cmd'), names('cmd')]),
      env: { ...FAST_STOP, S6_KEEP_ENV: keep, T_VAR: 'hello', T_SPACE: 'a b  c', S6_CMD_WAIT_FOR_SERVICES: '1', S6_VERBOSITY: '1' },
    });
    assertSame(t, runs);
  });
}

test('S6_STAGE2_HOOK runs before the tree is compiled: a service it adds to the user bundle starts', async (t) => {
  const runs = await runBoth({
    files: {
      'etc/hook': script('hook', 'touch /etc/s6-overlay/s6-rc.d/user/contents.d/added'),
      ...rcService('added', 'oneshot', { up: oneshotLine('up:added'), down: oneshotLine('down:added'), 'dependencies.d/base': '' }),
      'etc/cont-init.d/10-init': script('cont-init:10-init'),
    },
    cmd: stateCmd([], 4),
    env: { ...FAST_STOP, S6_STAGE2_HOOK: '/etc/hook' },
  });
  assertSame(t, runs);
});

test('S6_STAGE2_HOOK failing, even with S6_BEHAVIOUR_IF_STAGE2_FAILS=2: a warning, and the boot goes on', async (t) => {
  const runs = await runBoth({
    files: {
      'etc/hook': script('hook', 'exit 3'),
      'etc/cont-init.d/10-init': script('cont-init:10-init'),
      'etc/services.d/svc/run': script('run:svc', 'exec sleep 1000'),
    },
    cmd: stateCmd([], 4, [awaitEvent('run:svc')]),
    env: { ...FAST_STOP, S6_STAGE2_HOOK: '/etc/hook', S6_BEHAVIOUR_IF_STAGE2_FAILS: '2' },
  });
  assertSame(t, runs);
});

/*
 * s6-overlay 3.1.5.0's services-up looks for notification-fd in the live copy of a services.d service before copying
 * it there, so it never finds one: it prints "(no readiness notification)" for every service and CMD waits only for
 * them to be up. nuwa reads the image's service, and CMD waits for readiness, as S6_CMD_WAIT_FOR_SERVICES documents
 * (docs/s6-overlay.md). Compared: the same events, the readiness line free relative to CMD's start.
 */
test('S6_CMD_WAIT_FOR_SERVICES_MAXTIME=0: CMD waits, without a limit, for a services.d service (nuwa: until ready)', async (t) => {
  const runs = await runBoth({
    files: {
      'etc/services.d/slow/run': script('run:slow', `sleep 1\n${journal('ready:slow')}\necho >&3\nexec sleep 1000`),
      'etc/services.d/slow/notification-fd': '3\n',
    },
    cmd: ['/bin/sh', '-c', `${journal('cmd:start')}\n${awaitEvent('ready:slow')}\n${journal('cmd:exit')}`],
    env: { ...FAST_STOP, S6_CMD_WAIT_FOR_SERVICES: '1', S6_CMD_WAIT_FOR_SERVICES_MAXTIME: '0' },
  });
  assertSame(t, runs, { unordered: [['ready:slow', 'cmd:start']] });
  t.deepEqual(runs.nuwa.journal, ['run:slow', 'ready:slow', 'cmd:start', 'cmd:exit']);
});

for (const [what, cmd] of [
  ['exits 42', ['/bin/sh', '-c', 'exit 42']],
  ['is killed by SIGTERM', ['/bin/sh', '-c', 'kill -TERM $$']],
  ['does not exist', ['/nonexistent-cmd']],
  ['exits 0, at S6_VERBOSITY=0', ['/bin/true']],
] as const) {
  test(`the container's exit code when CMD ${what}`, async (t) => {
    const runs = await runBoth({
      files: { 'etc/cont-finish.d/10-bye': script('cont-finish:10-bye') },
      cmd: [...cmd],
      env: { ...FAST_STOP, ...(what.includes('VERBOSITY') ? { S6_VERBOSITY: '0' } : {}) },
    });
    assertSame(t, runs);
  });
}

test('S6_RUNTIME_PROFILE, S6_CMD_ARG0 and S6_LOGGING=1 (the catch-all logger)', async (t) => {
  const runs = await runBoth({
    files: {
      'etc/cont-init.d/10-default': script('cont-init:10-default'),
      ...rcService('default-one', 'oneshot', { up: oneshotLine('up:default-one') }),
      'etc/s6-overlay/s6-rc.d/user/contents.d/default-one': '',
      'etc/cont-profile.d/prod/cont-init.d/10-prod': script('cont-init:10-prod', 'echo "to the catch-all logger"'),
      'etc/cont-profile.d/prod/services.d/svc/run': script('run:prod-svc', 'exec sleep 1000'),
      'etc/cont-profile.d/prod/cont-finish.d/10-bye': script('cont-finish:10-bye'),
      // A profile has its own s6-rc source tree, user bundles included (s6-overlay refuses to boot without them).
      'etc/cont-profile.d/prod/s6-overlay/s6-rc.d/user/type': 'bundle\n',
      'etc/cont-profile.d/prod/s6-overlay/s6-rc.d/user/contents.d/one': '',
      'etc/cont-profile.d/prod/s6-overlay/s6-rc.d/user2/type': 'bundle\n',
      'etc/cont-profile.d/prod/s6-overlay/s6-rc.d/user2/contents.d/two': '',
      'etc/cont-profile.d/prod/s6-overlay/s6-rc.d/two/type': 'oneshot\n',
      'etc/cont-profile.d/prod/s6-overlay/s6-rc.d/two/up': oneshotLine('up:prod-two'),
      'etc/cont-profile.d/prod/s6-overlay/s6-rc.d/one/type': 'oneshot\n',
      'etc/cont-profile.d/prod/s6-overlay/s6-rc.d/one/up': oneshotLine('up:prod-one'),
      'etc/cont-profile.d/prod/s6-overlay/s6-rc.d/one/dependencies.d/base': '',
      'etc/arg0': `#!/bin/sh\n${journal('arg0')}\necho "arg0:$*" >> /tmp/journal\nexec "$@"\n`,
    },
    cmd: ['/bin/sh', '-c', `${awaitEvent('run:prod-svc')}\n${journal('cmd')}\nexit 3`],
    env: { ...FAST_STOP, S6_RUNTIME_PROFILE: 'prod', S6_CMD_ARG0: '/etc/arg0', S6_LOGGING: '1' },
  });
  // two (user2) needs nothing: s6-rc starts it at once, alongside cont-init.d.
  assertSame(t, runs, { unordered: [['up:prod-two', 'cont-init:10-prod']] });
  t.true(runs.ref.journal.includes('arg0'), 'S6_CMD_ARG0 ran before CMD under s6-overlay');
  t.is(runs.ref.code, 3);
});
