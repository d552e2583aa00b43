/**
 * s6-overlay features one at a time, each in a small tree written as its README shows: oneshot command lines with and
 * without an execlineb on PATH, timeout-up, S6_KEEP_ENV, printcontenv, S6_CMD_ARG0, the user-bundles.d layout of 3.2.3.2,
 * S6_RUNTIME_PROFILE, S6_CMD_WAIT_FOR_SERVICES, S6_LOGGING's catch-all logger.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UNTIL_SERVICES_SPOKE } from './app-checks';
import { boot, lineIndex, makeRoot } from './harness';

type Files = Record<string, { content: string; mode?: number }>;

/** A oneshot `name` in the user bundle, with `files` in its definition directory. */
function oneshot(name: string, files: Record<string, string>): Files {
  const tree: Files = {
    [`etc/s6-overlay/s6-rc.d/${name}/type`]: { content: 'oneshot\n' },
    [`etc/s6-overlay/s6-rc.d/user/contents.d/${name}`]: { content: '' },
  };
  for (const [file, content] of Object.entries(files)) tree[`etc/s6-overlay/s6-rc.d/${name}/${file}`] = { content };
  return tree;
}

const EXECLINE_UP = 'foreground { echo "block: first" }\necho "block: second"\n';
const PLAIN_UP = '/bin/sh -c "echo \\"plain: quoted words\\" && echo plain: second"\n';

test('oneshot up files: execline blocks run with execlineb; the single command line works too', async (t) => {
  const root = makeRoot(undefined, { ...oneshot('block', { up: EXECLINE_UP }), ...oneshot('plain', { up: PLAIN_UP }) });
  const { code, output } = await boot(root, ['true']).finished;
  t.is(code, 0, output);
  t.true(lineIndex(output, 'block: first') < lineIndex(output, 'block: second'));
  t.regex(output, /plain: quoted words\nplain: second\n/);
});

test("without execlineb on PATH: the single command line runs directly; blocks and builtins run with nuwa's own execlineb", async (t) => {
  const builtin = 'importas -D fallback X NO_SUCH_VARIABLE echo "builtin: ${X}"\n';
  const files = { ...oneshot('block', { up: EXECLINE_UP }), ...oneshot('plain', { up: PLAIN_UP }), ...oneshot('builtin', { up: builtin }) };
  const { code, output } = await boot(makeRoot(undefined, files), ['true'], { withoutExecline: true }).finished;
  t.is(code, 0, output);
  t.regex(output, /plain: quoted words\nplain: second\n/);
  t.true(lineIndex(output, 'block: first') < lineIndex(output, 'block: second'), output);
  t.regex(output, /^builtin: fallback$/m);
  t.notRegex(output, /error|warning/i);
});

test('timeout-up: a oneshot that takes longer fails, and what depends on it does not start', async (t) => {
  const root = makeRoot(undefined, {
    ...oneshot('slow', { up: '/bin/sleep 100\n', 'timeout-up': '500\n' }),
    ...oneshot('after', { up: '/bin/sh -c "echo after: up"\n', 'dependencies.d/slow': '' }),
  });
  const { code, output } = await boot(root, ['sh', '-c', 'echo CMD ran'], { env: { S6_BEHAVIOUR_IF_STAGE2_FAILS: '1' } }).finished;
  t.is(code, 0, output);
  t.regex(output, /service slow: up timed out \(timeout-up 500 ms\)/);
  t.regex(output, /not starting after: it depends on slow, which did not start/);
  t.regex(output, /s6-rc failed to properly bring all the services up/);
  t.regex(output, /CMD ran\n/);
});

test('the container environment: minimal by default, printcontenv reads the dump; S6_KEEP_ENV=1 passes everything on', async (t) => {
  const files: Files = {
    'etc/cont-init.d/01-show': {
      content:
        '#!/bin/sh\necho "plain NAME=${NAME:-unset} printcontenv=$(printcontenv NAME) missing=$(printcontenv NOPE || echo exit$?)"\n',
      mode: 0o755,
    },
  };
  const cmd = ['sh', '-c', 'echo "CMD NAME=${NAME:-unset} dump=$(test -d /run/s6/container_environment && echo yes || echo no)"'];
  const minimal = await boot(makeRoot(undefined, files), cmd, { env: { NAME: 'world' } }).finished;
  t.is(minimal.code, 0, minimal.output);
  t.regex(minimal.output, /plain NAME=unset printcontenv=world missing=exit1\n/);
  t.regex(minimal.output, /CMD NAME=unset dump=yes\n/);
  const kept = await boot(makeRoot(undefined, files), cmd, { env: { NAME: 'world', S6_KEEP_ENV: '1' } }).finished;
  t.is(kept.code, 0, kept.output);
  t.regex(kept.output, /plain NAME=world printcontenv=world missing=exit1\n/);
  t.regex(kept.output, /CMD NAME=world dump=no\n/);
});

test('S6_CMD_ARG0 is put before CMD, word by word', async (t) => {
  const root = makeRoot(undefined, { 'etc/cont-init.d/01-init': { content: '#!/bin/sh\n', mode: 0o755 } });
  const { code, output } = await boot(root, ['two', 'words'], { env: { S6_CMD_ARG0: '/bin/echo prefixed' } }).finished;
  t.is(code, 0, output);
  t.regex(output, /^prefixed two words$/m);
});

test('the 3.2.3.2 layout: the user bundle in user-bundles.d; S6_RUNTIME_PROFILE reads /etc/cont-profile.d/<profile>', async (t) => {
  const service = (base: string): Files => ({
    [`${base}/s6-overlay/s6-rc.d/hello/type`]: { content: 'oneshot\n' },
    [`${base}/s6-overlay/s6-rc.d/hello/up`]: { content: `/bin/sh -c "echo hello from ${base}"\n` },
    [`${base}/s6-overlay/user-bundles.d/user/type`]: { content: 'bundle\n' },
    [`${base}/s6-overlay/user-bundles.d/user/contents.d/hello`]: { content: '' },
    [`${base}/cont-init.d/01-init`]: { content: `#!/bin/sh\necho "cont-init from ${base}"\n`, mode: 0o755 },
  });
  const bundles = await boot(makeRoot(undefined, service('etc')), ['true']).finished;
  t.is(bundles.code, 0, bundles.output);
  t.regex(bundles.output, /hello from etc\n/);
  const profile = await boot(makeRoot(undefined, { ...service('etc'), ...service('etc/cont-profile.d/dev') }), ['true'], {
    env: { S6_RUNTIME_PROFILE: 'dev' },
  }).finished;
  t.is(profile.code, 0, profile.output);
  t.regex(profile.output, /cont-init from etc\/cont-profile\.d\/dev\n/);
  t.regex(profile.output, /hello from etc\/cont-profile\.d\/dev\n/);
  t.notRegex(profile.output, /from etc\n/);
});

test('S6_CMD_WAIT_FOR_SERVICES=1: CMD starts once the services.d services are ready', async (t) => {
  const files: Files = {
    'etc/services.d/slowready/run': { content: '#!/bin/sh\nsleep 1\necho "slowready: ready"\necho >&3\nexec sleep 1000\n', mode: 0o755 },
    'etc/services.d/slowready/notification-fd': { content: '3\n' },
  };
  const { code, output } = await boot(makeRoot(undefined, files), ['sh', '-c', 'echo CMD ran'], { env: { S6_CMD_WAIT_FOR_SERVICES: '1' } })
    .finished;
  t.is(code, 0, output);
  t.true(lineIndex(output, 'slowready: ready') < lineIndex(output, 'CMD ran'));
});

test('S6_LOGGING=2: everything, CMD included, goes to the catch-all logger in /run/uncaught-logs, up to the last line', async (t) => {
  const booted = boot(makeRoot('app'), ['sh', '-c', `${UNTIL_SERVICES_SPOKE}; echo "CMD line"; exit 3`], {
    env: { NAME: 'world', S6_LOGGING: '2' },
  });
  const { code, output } = await booted.finished;
  t.is(code, 3, output);
  t.is(output, '');
  const current = fs.readFileSync(path.join(booted.run, 'uncaught-logs/current'), 'utf8');
  t.regex(current, /cont-init 01-greeting: NAME=world\n/);
  t.regex(current, /worker: started\n/);
  t.regex(current, /CMD line\n/);
  t.regex(current, /cont-finish 01-bye\n/); // written during the shutdown: nothing lost at the end
  t.regex(current, /service fix-attrs successfully stopped\n/);
  t.regex(current, /service web-log successfully stopped\n/);
});

test('S6_LOGGING=1: the catch-all logger keeps everything and copies it to the console; CMD writes to the console only', async (t) => {
  const booted = boot(makeRoot('app'), ['sh', '-c', `${UNTIL_SERVICES_SPOKE}; echo "CMD line"; exit 3`], {
    env: { NAME: 'world', S6_LOGGING: '1' },
  });
  const { code, output } = await booted.finished;
  t.is(code, 3, output);
  const current = fs.readFileSync(path.join(booted.run, 'uncaught-logs/current'), 'utf8');
  for (const line of ['worker: started', 'cont-finish 01-bye']) {
    t.true(current.includes(`${line}\n`), line);
    t.true(output.includes(`${line}\n`), line);
  }
  t.regex(output, /CMD line\n/);
  t.notRegex(current, /CMD line/);
});

test('s6-notifyoncheck: a daemon that cannot notify is ready when data/check passes, and not before', async (t) => {
  const svc = 'etc/s6-overlay/s6-rc.d/polled';
  const root = makeRoot(undefined, {
    [`${svc}/type`]: { content: 'longrun\n' },
    [`${svc}/notification-fd`]: { content: '3\n' },
    [`${svc}/run`]: {
      content:
        '#!/bin/sh\nexec s6-notifyoncheck -n 0 -w 100 sh -c "sleep 1; echo polled: listening; touch /run/polled.sock; exec sleep 1000"\n',
      mode: 0o755,
    },
    [`${svc}/data/check`]: { content: '#!/bin/sh\ntest -e /run/polled.sock\n', mode: 0o755 },
    'etc/s6-overlay/s6-rc.d/user/contents.d/polled': { content: '' },
  });
  const { code, output } = await boot(root, ['sh', '-c', 'echo CMD ran']).finished;
  t.is(code, 0, output);
  t.true(lineIndex(output, 'polled: listening') < lineIndex(output, 'service polled successfully started'));
  t.true(lineIndex(output, 'service polled successfully started') < lineIndex(output, 'CMD ran'));
});

test('fix-attrs.d (deprecated, still honoured): owners and modes applied before cont-init.d, with the deprecation warning', async (t) => {
  const root = makeRoot(undefined, {
    'etc/fix-attrs.d/01-data': {
      content:
        '# path recurse account fmode dmode\n/data true app:app,1000:1000 0640 0750\n' +
        '/srv/missing false nobody:nogroup,65534:65534 0600 0700\n',
    },
    'data/sub/file': { content: 'x', mode: 0o644 },
    'etc/cont-init.d/01-show': { content: '#!/bin/sh\nls -ln /data/sub/file\n', mode: 0o755 },
  });
  const { code, output } = await boot(root, ['true'], { env: { S6_BEHAVIOUR_IF_STAGE2_FAILS: '1' } }).finished;
  t.is(code, 0, output);
  const file = fs.statSync(path.join(root, 'data/sub/file'));
  const dir = fs.statSync(path.join(root, 'data/sub'));
  t.deepEqual([file.uid, file.gid, file.mode & 0o777], [1000, 1000, 0o640]);
  t.deepEqual([dir.uid, dir.gid, dir.mode & 0o777], [1000, 1000, 0o750]);
  t.regex(output, /fix-attrs is deprecated/);
  t.regex(output, /\/etc\/fix-attrs\.d\/01-data:3: \/srv\/missing: ENOENT/);
  t.regex(output, /fix-attrs: warning: some fix files failed to apply/);
  t.true(lineIndex(output, 'applying /etc/fix-attrs.d/01-data') < lineIndex(output, 'running /etc/cont-init.d/01-show'));
});
