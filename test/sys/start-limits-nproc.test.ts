/**
 * A process limit too low for Node's own threads: nuwa says so in one line and exits 111, where it used to hang for
 * ever inside Node's start-up (a futex wait that ignored SIGTERM) or abort. The check runs before Node's main(), in
 * the executable's entry stub (supervisor/native/start_stub.S, scripts/start-limits-stub.js; docs/faults.md).
 * Every run has a deadline and is SIGKILLed at it: a hang fails the test instead of holding it.
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { childrenOf } from '../../supervisor/src/sys/process-tree';
import { killTree, nuwaBinary, podman, podmanEnv, requireCommand, tempDir, waitFor } from '../helpers';
import { pidsCgroup } from '../helpers/cgroup';
import { track } from '../helpers/pid1';
import { minimalImage } from '../helpers/minimal-image';

/** An account nothing else runs as: RLIMIT_NPROC counts every task of the uid. */
const ACCOUNT = String(47119);
const DEADLINE = { timeout: 60_000, killSignal: 'SIGKILL' as const };
const refusal = (limit: string) =>
  `nuwa: cannot create threads: process limit ${limit}reached (ulimit -u, or the container's pids limit): Node needs room for 10 threads\n`;

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

type Command = [string, ...string[]];

function spawnUntilDeadline([file, ...args]: Command, env: NodeJS.ProcessEnv = process.env): Outcome {
  const result = spawnSync(file, args, { ...DEADLINE, env, encoding: 'utf8' });
  return { code: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/**
 * `COMMAND` as ACCOUNT under `ulimit -u LIMIT` (bash execs it: the account has no other task). SIGKILLed when its parent
 * dies (setpriv sets that after the change of account, which would clear it): PID 1 of a namespace dies with unshare.
 */
function asAccountWithLimit(limit: number, command: string[]): Command {
  requireCommand('setpriv', 'util-linux');
  return [
    'setpriv',
    '--reuid',
    ACCOUNT,
    '--regid',
    ACCOUNT,
    '--clear-groups',
    '--pdeathsig',
    'KILL',
    'bash',
    '-c',
    `ulimit -u ${limit} && exec "$@"`,
    'bash',
    ...command,
  ];
}

/** Where a nuwa that starts as ACCOUNT unpacks its addon (it cannot use /run/nuwa). */
function accountTmp(): NodeJS.ProcessEnv {
  const tmp = tempDir('nuwa-nproc-');
  fs.chownSync(tmp, Number(ACCOUNT), Number(ACCOUNT));
  return { ...process.env, TMPDIR: tmp };
}

const INIT_TRUE = () => [nuwaBinary(), 'init', '--plain', 'true'];

test('ulimit -u 1 to 10 as a second account: one line naming the limit and exit 111, never a hang', (t) => {
  const env = accountTmp();
  for (let limit = 1; limit <= 10; limit++) {
    const command = asAccountWithLimit(limit, INIT_TRUE());
    const outcome = spawnUntilDeadline(command, env);
    if (!t.deepEqual(outcome, { code: 111, signal: null, stdout: '', stderr: refusal(`${limit} `) }, `ulimit -u ${limit}`)) break;
  }
});

test('ulimit -u 11 as a second account (room for Node and its threads): nuwa init runs its program', (t) => {
  const command = asAccountWithLimit(11, [...INIT_TRUE().slice(0, -1), 'sh', '-c', 'echo ran']);
  t.deepEqual(spawnUntilDeadline(command, accountTmp()), { code: 0, signal: null, stdout: 'ran\n', stderr: '' });
});

/** `COMMAND` as PID 1 of a new PID namespace, killed with it at the deadline (`--kill-child`). */
function asPid1(command: string[]): Command {
  requireCommand('unshare', 'util-linux');
  return ['unshare', '-p', '-f', '--mount-proc', '--kill-child', '--', ...command];
}

test('as PID 1 of a PID namespace under ulimit -u 5: the line and exit 111', (t) => {
  const command = asPid1(asAccountWithLimit(5, INIT_TRUE()));
  t.deepEqual(spawnUntilDeadline(command), { code: 111, signal: null, stdout: '', stderr: refusal('5 ') });
});

test('as PID 1 in a cgroup of 5 tasks (podman --pids-limit), as root: the line without a number, exit 111', async (t) => {
  const cgroup = pidsCgroup('nuwa-test-pids5', 5);
  t.teardown(() => cgroup.remove());
  const command = cgroup.run(asPid1(INIT_TRUE()));
  t.deepEqual(spawnUntilDeadline(command), { code: 111, signal: null, stdout: '', stderr: refusal('') });
});

test('as PID 1 in a cgroup of 20 tasks: nuwa init runs its program', async (t) => {
  const cgroup = pidsCgroup('nuwa-test-pids20', 20);
  t.teardown(() => cgroup.remove());
  const command = cgroup.run(asPid1([...INIT_TRUE().slice(0, -1), 'sh', '-c', 'echo ran']));
  t.deepEqual(spawnUntilDeadline(command), { code: 0, signal: null, stdout: 'ran\n', stderr: '' });
});

test('entered from outside into a full PID namespace (nsenter, as podman exec): the line, exit 111', async (t) => {
  // A container: PID 1 sleeps in its own namespace, in a cgroup of 8 tasks; nuwa is then started inside the namespace
  // by a process outside it (its parent pid reads 0 there), in the same cgroup: 4 tasks, no room for 10 more.
  const cgroup = pidsCgroup('nuwa-test-pids-enter', 8);
  const [file, ...args] = cgroup.run(asPid1(['sleep', '600']));
  const container = track(spawn(file, args, { stdio: 'ignore' }));
  t.teardown(async () => {
    killTree(container.pid as number);
    await cgroup.remove();
  });
  const pid1 = await waitFor("the namespace's PID 1", () => childrenOf(container.pid as number)[0]);
  const command = cgroup.run([requireCommand('nsenter', 'util-linux'), '-t', String(pid1), '-p', '--', nuwaBinary(), '--help']);
  t.deepEqual(spawnUntilDeadline(command), { code: 111, signal: null, stdout: '', stderr: refusal('') });
});

test('podman run --pids-limit 5: the container says why and exits 111 instead of hanging', (t) => {
  const name = `nuwa-test-pids-${process.pid}`;
  t.teardown(() => podman(['rm', '-f', '-t', '0', name]));
  const image = minimalImage();
  const run = spawnSync('podman', ['run', '--name', name, '--pids-limit', '5', image, '--plain', 'true'], {
    ...DEADLINE,
    env: podmanEnv(),
    encoding: 'utf8',
  });
  t.is(run.status, 111, run.stderr);
  t.is(run.stderr, refusal(''));
});
