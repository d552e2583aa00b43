/**
 * The executable as a container's ENTRYPOINT: a minimal image holding only dist/nuwa, /bin/sh, a few tools and
 * their shared libraries (no Node.js). Run by real Podman.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { podman, podmanEnv, waitFor } from '../helpers';
import { minimalImage } from '../helpers/minimal-image';

const NAME = 'nuwa-t3-init';
const names: string[] = [];

function start(suffix: string, args: string[], opts: string[] = []): string {
  const name = `${NAME}-${suffix}-${process.pid}`;
  names.push(name);
  podman(['rm', '-f', name]);
  podman(['run', '-d', '--name', name, ...opts, minimalImage(), ...args]);
  return name;
}

const inspect = (name: string, format: string) => podman(['inspect', '-f', format, name]).trim();
/** The container's stdout and stderr (podman logs replays them on its own stdout and stderr). */
const logs = (name: string) => {
  const out = spawnSync('podman', ['logs', name], { env: podmanEnv(), encoding: 'utf8' });
  return out.stdout + out.stderr;
};

test.after.always(() => {
  for (const name of names) podman(['rm', '-f', name]);
});

test.serial('exit codes pass through podman run', async (t) => {
  for (const [script, code] of [
    ['exit 0', 0],
    ['exit 3', 3],
    ['kill -TERM $$', 143],
  ] as const) {
    const name = start(`code${code}`, ['sh', '-c', script]);
    await waitFor(`${name} to exit`, () => inspect(name, '{{.State.Status}}') === 'exited');
    t.is(Number(inspect(name, '{{.State.ExitCode}}')), code, script);
  }
  const missing = start('missing', ['/no/such/program']);
  await waitFor(`${missing} to exit`, () => inspect(missing, '{{.State.Status}}') === 'exited');
  t.is(Number(inspect(missing, '{{.State.ExitCode}}')), 127);
  t.regex(logs(missing), /cannot run '\/no\/such\/program': not found/);
});

test.serial("nuwa is PID 1 and `podman stop` ends the container with the main program's code", async (t) => {
  const name = start('stop', ['sh', '-c', 'trap "exit 42" TERM; echo "main pid $$ parent $PPID"; while :; do sleep 1 & wait $!; done']);
  await waitFor('the main program to start', () => logs(name).includes('main pid'));
  t.regex(logs(name), /main pid \d+ parent 1\n/);
  podman(['stop', '-t', '10', name]);
  t.is(Number(inspect(name, '{{.State.ExitCode}}')), 42);
});

test.serial('`podman stop` on a main program that ignores SIGTERM: nuwa sends SIGKILL after the grace time', async (t) => {
  const name = start('stubborn', ['sh', '-c', 'trap "" TERM; echo started; while :; do sleep 1; done'], ['-e', 'S6_KILL_GRACETIME=1000']);
  await waitFor('the main program to start', () => logs(name).includes('started'));
  podman(['stop', '-t', '10', name]); // podman's own SIGKILL (also 137) must not come before nuwa's, due at 1 s
  t.is(Number(inspect(name, '{{.State.ExitCode}}')), 137);
  t.regex(logs(name), /still running 1000 ms after the stop signal: SIGKILL/);
});

test.serial('1,000 orphans inside the container leave no zombie', async (t) => {
  // dash only: spawn the orphans, then count zombies among PID 1's children until none is left.
  const script = `for i in $(seq 1000 2>/dev/null || echo 1); do :; done
i=0; while [ $i -lt 1000 ]; do sleep 0.3 & i=$((i+1)); done
`;
  const name = start('orphans', ['sh', '-c', `(${script}) ; echo spawned; while :; do sleep 1; done`]);
  await waitFor('the orphans to be spawned', () => logs(name).includes('spawned'));
  // PID 1's children, and how many of them are zombies. Only those are nuwa's to reap: a finished `podman exec` session
  // waits for conmon, outside the container, and the main program's own `sleep 1` for the main program.
  const children = () => {
    const out = podman([
      'exec',
      name,
      'sh',
      '-c',
      'c=0; z=0; for f in /proc/[0-9]*/stat; do read -r l < "$f" 2>/dev/null || continue; ' +
        'case "$l" in *") "?" 1 "*) c=$((c+1));; esac; case "$l" in *") Z 1 "*) z=$((z+1));; esac; done; echo $c $z',
    ]);
    const [all, zombies] = out.trim().split(' ').map(Number) as [number, number];
    return { all, zombies };
  };
  // every orphan has exited and been reaped: the main program is PID 1's only child left (counting zombies alone
  // raced with orphans still running under load)
  await waitFor('every orphan to exit and be reaped', () => children().all === 1);
  t.deepEqual(children(), { all: 1, zombies: 0 });
  podman(['rm', '-f', name]);
});

test.serial('a read-only root with a writable /run works (the native addon unpacks under /run)', async (t) => {
  const name = start(
    'readonly',
    ['sh', '-c', 'touch /x 2>/dev/null && echo writable || echo read-only; ls /run/nuwa; exit 4'],
    ['--read-only'],
  );
  await waitFor(`${name} to exit`, () => inspect(name, '{{.State.Status}}') === 'exited');
  t.is(Number(inspect(name, '{{.State.ExitCode}}')), 4, logs(name));
  t.regex(logs(name), /^read-only\nnuwa_native-[0-9a-f]+\.node\n$/);
});
