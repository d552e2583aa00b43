/**
 * Stage-2 failures and S6_BEHAVIOUR_IF_STAGE2_FAILS, as s6-overlay's scripts define them: a failing cont-init.d
 * script is ignored (0), warned about (1), or stops the container before CMD with exit code 1 (2); a startup that
 * outlives S6_CMD_WAIT_FOR_SERVICES_MAXTIME is s6-rc's "timed out" (exit 2 under policy 2); S6_STAGE2_HOOK's
 * failure is a warning under every policy (s6-overlay's rc.init runs it under `set +e`).
 */
import test from 'ava';
import { waitFor } from '../helpers';
import { boot, lineIndex, makeRoot } from './harness';

const CMD = ['sh', '-c', 'echo "CMD ran"; exit 5'];
/** The same once svc has printed its line (up means started, and CMD's exit stops it, maybe before that line). */
const CMD_AFTER_SVC = [
  'sh',
  '-c',
  'i=0; while [ ! -e /run/svc-up ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done; echo "CMD ran"; exit 5',
];

test(
  'S6_BEHAVIOUR_IF_STAGE2_FAILS=0 (default): a failing cont-init script is ignored; ' + 'the rest boots, CMD decides the exit code',
  async (t) => {
    const { code, output } = await boot(makeRoot('failing-init'), CMD_AFTER_SVC).finished;
    t.is(code, 5, output);
    t.regex(output, /cont-init 10-broken: failing\n/);
    t.regex(output, /\/etc\/cont-init\.d\/10-broken exited 7\n/);
    t.regex(output, /cont-init 20-after: still runs\n/);
    t.regex(output, /svc: up\n/);
    t.regex(output, /CMD ran\n/);
    t.notRegex(output, /warning|fatal/);
    t.regex(output, /cont-finish 10-finish\n/);
  },
);

test('S6_BEHAVIOUR_IF_STAGE2_FAILS=1: the same, with a warning', async (t) => {
  const { code, output } = await boot(makeRoot('failing-init'), CMD_AFTER_SVC, { env: { S6_BEHAVIOUR_IF_STAGE2_FAILS: '1' } }).finished;
  t.is(code, 5, output);
  t.regex(output, /nuwa cont-init: warning: some scripts exited nonzero\n/);
  t.regex(output, /svc: up\n/);
  t.regex(output, /CMD ran\n/);
});

test('S6_BEHAVIOUR_IF_STAGE2_FAILS=2: the container stops before CMD, with exit code 1; what needs base never starts', async (t) => {
  const { code, output } = await boot(makeRoot('failing-init'), CMD, { env: { S6_BEHAVIOUR_IF_STAGE2_FAILS: '2' } }).finished;
  t.is(code, 1, output);
  t.regex(output, /cont-init 20-after: still runs\n/); // every script runs; the verdict comes at the end
  t.regex(output, /not starting svc: it depends on legacy-cont-init/);
  t.regex(output, /independent: up\n/); // what does not depend on base is unaffected
  t.regex(output, /s6-rc failed to properly bring all the services up/);
  t.regex(output, /stopping the container/);
  t.notRegex(output, /svc: up|CMD ran/);
  // legacy-cont-init never came up, so its down (cont-finish.d) does not run, as with s6-rc.
  t.notRegex(output, /cont-finish 10-finish/);
});

test('S6_CMD_WAIT_FOR_SERVICES_MAXTIME: a hung cont-init script times the startup out; under policy 2 the exit code is 2', async (t) => {
  const root = makeRoot(undefined, {
    'etc/cont-init.d/01-hangs': { content: '#!/bin/sh\necho "hanging"\nexec sleep 1000\n', mode: 0o755 },
  });
  const { code, output } = await boot(root, CMD, { env: { S6_CMD_WAIT_FOR_SERVICES_MAXTIME: '1500', S6_BEHAVIOUR_IF_STAGE2_FAILS: '2' } })
    .finished;
  t.is(code, 2, output);
  t.regex(output, /timed out after 1500 ms \(S6_CMD_WAIT_FOR_SERVICES_MAXTIME\); not up yet: .*legacy-cont-init/);
  t.notRegex(output, /CMD ran/);
});

test('the same timeout under policy 0: CMD runs once the startup gives up', async (t) => {
  const root = makeRoot(undefined, {
    'etc/cont-init.d/01-hangs': { content: '#!/bin/sh\necho "hanging"\nexec sleep 1000\n', mode: 0o755 },
  });
  const { code, output } = await boot(root, CMD, { env: { S6_CMD_WAIT_FOR_SERVICES_MAXTIME: '1000' } }).finished;
  t.is(code, 5, output);
  t.true(lineIndex(output, 'timed out after 1000 ms') < lineIndex(output, 'CMD ran'));
});

test('S6_STAGE2_HOOK runs first, with its arguments; its failure is a warning, even under policy 2', async (t) => {
  const files = {
    'etc/cont-init.d/01-init': { content: '#!/bin/sh\necho "cont-init ran"\n', mode: 0o755 },
    'etc/s6-overlay/hook': { content: '#!/bin/sh\necho "hook: $1"\nexit 4\n', mode: 0o755 },
  };
  const env = { S6_STAGE2_HOOK: '/etc/s6-overlay/hook arg', S6_BEHAVIOUR_IF_STAGE2_FAILS: '2' };
  const { code, output } = await boot(makeRoot(undefined, files), CMD, { env }).finished;
  t.is(code, 5, output);
  t.true(lineIndex(output, 'hook: arg') < lineIndex(output, 'hook /etc/s6-overlay/hook arg exited 4'));
  t.true(lineIndex(output, 'exited 4') < lineIndex(output, 'cont-init ran'));
  t.regex(output, /CMD ran/);
});

test('a service that never becomes ready: the boot names it every 10 s, and SIGTERM still stops the container', async (t) => {
  const root = makeRoot(undefined, {
    'etc/s6-overlay/s6-rc.d/stuck/type': { content: 'longrun\n' },
    'etc/s6-overlay/s6-rc.d/stuck/notification-fd': { content: '3\n' },
    'etc/s6-overlay/s6-rc.d/stuck/run': { content: '#!/bin/sh\necho "stuck: never ready"\nexec sleep 1000\n', mode: 0o755 },
    'etc/s6-overlay/s6-rc.d/user/contents.d/stuck': { content: '' },
  });
  const booted = boot(root, CMD);
  await waitFor('the slow-start notice', () => /still waiting for stuck to be ready \(10 s\)/.test(booted.output()), { timeoutMs: 30_000 });
  process.kill(await booted.hostPid(), 'SIGTERM');
  const { code, output } = await booted.finished;
  t.is(code, 0, output);
  t.notRegex(output, /CMD ran/);
});
