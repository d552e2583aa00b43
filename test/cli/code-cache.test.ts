/**
 * The executable runs its bundle from the V8 code cache the build made after a warm-up run (scripts/code-cache.js,
 * scripts/sea-main.js). V8 silently compiles from source when it rejects a cache (one made under other flags): the
 * executable still works, only slower, so what is checked here is the executable's own answer to
 * NUWA_DEBUG_CODE_CACHE, in a container's environment and with an image's NODE_OPTIONS carrying V8 flags.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { nuwaBinary } from '../helpers';

function run(env: Record<string, string>, args: string[]): { stdout: string; stderr: string; status: number | null } {
  const done = spawnSync(nuwaBinary(), args, { env: { PATH: '/usr/bin:/bin', ...env }, encoding: 'utf8' });
  return { stdout: done.stdout, stderr: done.stderr, status: done.status };
}

test('the executable accepts the code cache packed in it', (t) => {
  const { stdout, stderr, status } = run({ NUWA_DEBUG_CODE_CACHE: '1' }, ['--version']);
  t.is(status, 0);
  t.regex(stdout, /^nuwa \d+\.\d+\.\d+/);
  t.is(stderr, 'nuwa: code cache accepted\n');
});

test("an image's NODE_OPTIONS with V8 flags neither reaches nuwa nor makes it reject its cache", (t) => {
  const env = { NUWA_DEBUG_CODE_CACHE: '1', NODE_OPTIONS: '--jitless --max-old-space-size=64 --stack-trace-limit=3' };
  const { stderr, status } = run(env, ['--help']);
  t.is(status, 0);
  t.is(stderr, 'nuwa: code cache accepted\n');
});

test('without NUWA_DEBUG_CODE_CACHE nothing is said about the cache', (t) => {
  const { stderr, status } = run({}, ['--version']);
  t.is(status, 0);
  t.is(stderr, '');
});
