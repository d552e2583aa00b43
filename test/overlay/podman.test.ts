/**
 * The app tree in a real Podman container (runc, test/fixtures/containers.conf) with nuwa as /init and PID 1: as
 * root and as USER 1000, with and without --read-only; `podman stop` on a container without CMD; a failing cont-init
 * under S6_BEHAVIOUR_IF_STAGE2_FAILS=2. The image has no execline: oneshot command lines take nuwa's own path.
 *
 * The entrypoint only merges stderr into stdout before exec'ing /init (`exec 2>&1 /init "$@"`), so the log keeps
 * the order in which lines were written; nuwa is still PID 1.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { podman, podmanEnv, waitFor } from '../helpers';
import { APP_CMD, checkAppBoot } from './app-checks';
import { overlayImage } from './image';

const ENTRYPOINT = JSON.stringify(['/bin/sh', '-c', 'exec 2>&1 /init "$@"', 'init']);
const names: string[] = [];

function name(suffix: string): string {
  const n = `nuwa-t5-${suffix}-${process.pid}`;
  names.push(n);
  spawnSync('podman', ['rm', '-f', n], { env: podmanEnv() });
  return n;
}

function run(suffix: string, image: string, options: string[], cmd: string[]) {
  const r = spawnSync('podman', ['run', '--rm', '--name', name(suffix), '--entrypoint', ENTRYPOINT, ...options, image, ...cmd], {
    env: podmanEnv(),
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, output: r.stdout + r.stderr };
}

test.after.always(() => {
  for (const n of names) spawnSync('podman', ['rm', '-f', n], { env: podmanEnv() });
});

const variants: [string, string[], { uid: number; rootWritable: boolean }][] = [
  ['root', [], { uid: 0, rootWritable: true }],
  ['root-ro', ['--read-only'], { uid: 0, rootWritable: false }],
  ['user', ['--user', '1000:1000'], { uid: 1000, rootWritable: false }],
  // podman's own /run tmpfs for --read-only belongs to root; `:U` gives it to the container's user.
  ['user-ro', ['--user', '1000:1000', '--read-only', '--tmpfs', '/run:U'], { uid: 1000, rootWritable: false }],
];

for (const [suffix, options, who] of variants) {
  test.serial(`podman ${options.join(' ') || '(defaults)'}: same services, same order, exit code = CMD's`, (t) => {
    const { code, output } = run(suffix, overlayImage('app'), ['-e', 'NAME=world', ...options], APP_CMD);
    t.is(code, 3, output);
    checkAppBoot(t, output, who);
    t.notRegex(output, /error|fatal|warning/);
  });
}

test.serial('podman stop on a container without CMD: services stop in reverse, cont-finish runs, exit 0', async (t) => {
  const n = name('stop');
  podman(['run', '-d', '--name', n, '--entrypoint', ENTRYPOINT, overlayImage('app')]);
  const logs = () => spawnSync('podman', ['logs', n], { env: podmanEnv(), encoding: 'utf8' }).stdout;
  await waitFor('the services to be up', () => logs().includes('oneshot late: up (user2)'), { timeoutMs: 60_000 });
  t.is(podman(['inspect', '-f', '{{.State.Pid}}', n]).trim() !== '0', true);
  podman(['stop', '-t', '20', n]);
  t.is(Number(podman(['inspect', '-f', '{{.State.ExitCode}}', n]).trim()), 0);
  const output = logs();
  t.regex(output, /cont-finish 01-bye\n/);
  t.true(output.indexOf('worker: finished') < output.indexOf('cont-finish 01-bye'), output);
});

test.serial('podman: a failing cont-init under S6_BEHAVIOUR_IF_STAGE2_FAILS=2 stops the container with exit code 1', (t) => {
  const { code, output } = run(
    'stage2',
    overlayImage('failing-init'),
    ['-e', 'S6_BEHAVIOUR_IF_STAGE2_FAILS=2'],
    ['sh', '-c', 'echo CMD ran; exit 5'],
  );
  t.is(code, 1, output);
  t.regex(output, /stopping the container/);
  t.notRegex(output, /CMD ran/);
  const tolerated = run('stage2-0', overlayImage('failing-init'), [], ['sh', '-c', 'echo CMD ran; exit 5']);
  t.is(tolerated.code, 5, tolerated.output);
});

test.serial('podman --user 1000 --read-only without a /run of its own: one line saying how to fix it, exit 100', (t) => {
  const { code, output } = run('user-ro-norun', overlayImage('app'), ['--user', '1000:1000', '--read-only'], APP_CMD);
  t.is(code, 100, output);
  t.is(
    output,
    'nuwa init: error: /run belongs to uid 0 (mode 0755) and uid 1000 cannot write to it: ' +
      'give the container a /run its user can write: `podman run --tmpfs /run:U`, ' +
      '`docker run --tmpfs /run:uid=UID,gid=GID`, or `RUN chown USER /run` in the image\n',
  );
});
