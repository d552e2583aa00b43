/**
 * How a container ends, and with which code, as s6-overlay documents it (README "Exit codes"; s6-linux-init in a
 * container): CMD's code when CMD ends; 0 for `docker stop` (SIGTERM) unless something wrote
 * /run/s6-linux-init-container-results/exitcode — the pattern of a supervised main service whose finish writes its
 * code and calls /run/s6/basedir/bin/halt; S6_CMD_RECEIVE_SIGNALS hands the stop signal to CMD instead. Without CMD
 * the container runs until told to stop. Services stop before CMD gets the final SIGTERM; what ignores it gets
 * SIGKILL after S6_KILL_GRACETIME. Also when nuwa is not PID 1.
 */
import test from 'ava';
import { waitFor } from '../helpers';
import { boot, lineIndex, makeRoot } from './harness';

const WAITING_CMD = ['sh', '-c', 'trap "echo CMD got TERM; exit 9" TERM; echo "CMD waiting"; while :; do sleep 1 & wait $!; done'];

test('no CMD: runs until SIGTERM, then stops every service in reverse and exits 0', async (t) => {
  const booted = boot(makeRoot('app'), []);
  await waitFor('the services to be up', () => booted.output().includes('oneshot late: up (user2)'));
  // Still running a while later: nothing ends a container without CMD but a stop request.
  await waitFor('the legacy logger to have its line', () => booted.output().includes('legacy-log: legacy to its logger'));
  t.is(booted.process.exitCode, null);
  process.kill(await booted.hostPid(), 'SIGTERM');
  const { code, output } = await booted.finished;
  t.is(code, 0, output);
  t.true(lineIndex(output, 'oneshot late: down') < lineIndex(output, 'worker: finished'));
  t.true(lineIndex(output, 'worker: finished') < lineIndex(output, 'cont-finish 01-bye'));
});

test('CMD running and SIGTERM (docker stop): services stop first, CMD goes with the final SIGTERM, exit 0', async (t) => {
  const booted = boot(makeRoot('app'), WAITING_CMD);
  await waitFor('CMD to run', () => booted.output().includes('CMD waiting'));
  process.kill(await booted.hostPid(), 'SIGTERM');
  const { code, output } = await booted.finished;
  t.is(code, 0, output);
  t.true(lineIndex(output, 'cont-finish 01-bye') < lineIndex(output, 'CMD got TERM'));
});

test("S6_CMD_RECEIVE_SIGNALS=1: SIGTERM goes to CMD, whose exit code becomes the container's", async (t) => {
  const booted = boot(makeRoot('app'), WAITING_CMD, { env: { S6_CMD_RECEIVE_SIGNALS: '1' } });
  await waitFor('CMD to run', () => booted.output().includes('CMD waiting'));
  process.kill(await booted.hostPid(), 'SIGTERM');
  const { code, output } = await booted.finished;
  t.is(code, 9, output);
  t.true(lineIndex(output, 'CMD got TERM') < lineIndex(output, 'oneshot late: down'));
});

test('a supervised main service whose finish writes the exit code and calls halt ends the container with that code', async (t) => {
  const { code, output } = await boot(makeRoot('main-service'), [], { env: { APP_EXIT_CODE: '42', S6_KILL_GRACETIME: '1000' } }).finished;
  t.is(code, 42, output);
  t.regex(output, /app: finished with 42\n/);
  t.regex(output, /cont-finish: bye\n/);
  // stubborn ignores SIGTERM: its stop times out (timeout-down), the final SIGKILL ends it.
  t.regex(output, /stubborn: ignoring SIGTERM\n/);
  t.regex(output, /still running after timeout-down 500 ms/);
});

test('docker stop on that image: the finish script records 128+15, and that is the exit code', async (t) => {
  const booted = boot(makeRoot('main-service'), [], { env: { S6_KILL_GRACETIME: '1000' } });
  await waitFor('the services to run', () => booted.output().includes('app: running') && booted.output().includes('stubborn: running'));
  process.kill(await booted.hostPid(), 'SIGTERM');
  const { code, output } = await booted.finished;
  t.is(code, 143, output);
  t.regex(output, /app: finished with 143\n/);
});

test('CMD killed by a signal: 128+n; CMD that does not exist: 127 and one line naming it', async (t) => {
  const killed = await boot(makeRoot('failing-init'), ['sh', '-c', 'kill -KILL $$']).finished;
  t.is(killed.code, 137, killed.output);
  const missing = await boot(makeRoot('failing-init'), ['/no/such/program', 'arg']).finished;
  t.is(missing.code, 127, missing.output);
  t.regex(missing.output, /cannot run '\/no\/such\/program': not found\n/);
});

test('halt from CMD stops the container with the recorded code (0 unless written)', async (t) => {
  const { code, output } = await boot(makeRoot('app'), [
    'sh',
    '-c',
    'echo 6 > /run/s6-linux-init-container-results/exitcode; /run/s6/basedir/bin/halt; sleep 100',
  ]).finished;
  t.is(code, 6, output);
  t.regex(output, /cont-finish 01-bye\n/);
});

test('SIGUSR1 powers off, SIGINT reboots: PID 1 ends as the kernel ends a namespace init (130, 129)', async (t) => {
  for (const [signal, expected] of [
    ['SIGUSR1', 130],
    ['SIGINT', 129],
  ] as const) {
    const booted = boot(makeRoot('app'), WAITING_CMD);
    await waitFor('CMD to run', () => booted.output().includes('CMD waiting'));
    process.kill(await booted.hostPid(), signal);
    const { code, output } = await booted.finished;
    t.is(code, expected, `${signal}: ${output}`);
    t.regex(output, /cont-finish 01-bye\n/);
  }
});

test('not PID 1 (e.g. docker run --init): the same boot, as a child subreaper', async (t) => {
  const { code, output } = await boot(makeRoot('app'), ['sh', '-c', 'echo "CMD: parent is $PPID"; exit 3'], { notPid1: true }).finished;
  t.is(code, 3, output);
  t.regex(output, /oneshot late: up \(user2\)\n/);
  t.notRegex(output, /CMD: parent is 1\n/);
  t.regex(output, /cont-finish 01-bye\n/);
});
