/**
 * The S6_* variables no other test covers, each by what a user of the container sees: S6_SYNC_DISKS makes the very
 * end of the shutdown call `sync`; S6_CATCHALL_USER is the uid the catch-all logger runs under; S6_CMD_USE_TERMINAL
 * gives CMD the terminal while everything else goes to the logger; S6_YES_I_WANT_A_WORLD_WRITABLE_RUN_BECAUSE_KUBERNETES
 * silences the warning about a world-writable /run; S6_READ_ONLY_ROOT mounts a tmpfs on a read-only /run;
 * S6_FIX_ATTRS_HIDDEN lets fix-attrs.d reach dotfiles; S6_SERVICES_READYTIME holds CMD back for that long when it
 * waits for services.d.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { descendants } from '../../supervisor/src/sys/process-tree';
import { waitFor } from '../helpers';
import { APP_UID, boot, makeRoot } from './harness';

type Files = Record<string, { content: string; mode?: number }>;

/** The uid a process runs as (the real uid of /proc/PID/status). */
function uidOf(pid: number): number {
  const line = fs
    .readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Uid:'));
  return Number(line?.split(/\s+/)[1]);
}

/** The catch-all logger among nuwa's descendants: the s6-log writing /run/uncaught-logs. */
function catchAllLogger(nuwa: number): number | undefined {
  return descendants(nuwa).find((pid) => {
    try {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return argv.some((a) => a.endsWith('s6-log') || a === 'log') && argv.includes('/run/uncaught-logs');
    } catch {
      return false;
    }
  });
}

test('S6_SYNC_DISKS=1: the shutdown calls sync, after cont-finish.d; =0 does not call it', async (t) => {
  const files: Files = {
    // /command is first on PATH: this sync records that it ran instead of syncing the host's disks
    'command/sync': { content: '#!/bin/sh\necho sync >> /run/order\n', mode: 0o755 },
    'etc/cont-finish.d/01-last': { content: '#!/bin/sh\necho cont-finish >> /run/order\n', mode: 0o755 },
  };
  const synced = boot(makeRoot(undefined, files), ['true'], { env: { S6_SYNC_DISKS: '1' } });
  const withSync = await synced.finished;
  t.is(withSync.code, 0, withSync.output);
  t.is(fs.readFileSync(path.join(synced.run, 'order'), 'utf8'), 'cont-finish\nsync\n');
  const plain = boot(makeRoot(undefined, files), ['true'], { env: { S6_SYNC_DISKS: '0' } });
  const withoutSync = await plain.finished;
  t.is(withoutSync.code, 0, withoutSync.output);
  t.is(fs.readFileSync(path.join(plain.run, 'order'), 'utf8'), 'cont-finish\n');
});

/** A /run as images have it: root's, mode 0755 (the harness's is a private 0700 directory). */
const ROOT_RUN = { uid: 0, mode: 0o755 };
const HELLO: Files = { 'etc/cont-init.d/01-hello': { content: '#!/bin/sh\necho "cont-init hello"\n', mode: 0o755 } };

test('S6_CATCHALL_USER=app: the catch-all logger runs as that account, and the log it writes belongs to it', async (t) => {
  const booted = boot(makeRoot(undefined, HELLO), [], { run: ROOT_RUN, env: { S6_LOGGING: '2', S6_CATCHALL_USER: 'app' } });
  const nuwa = await booted.hostPid();
  const logger = await waitFor('the catch-all logger', () => catchAllLogger(nuwa));
  t.is(uidOf(logger), APP_UID);
  const current = path.join(booted.run, 'uncaught-logs/current');
  await waitFor(
    'the boot in the catch-all log',
    () => fs.existsSync(current) && fs.readFileSync(current, 'utf8').includes('cont-init hello\n'),
  );
  t.is(fs.statSync(current).uid, APP_UID);
  process.kill(nuwa, 'SIGTERM');
  const { code, output } = await booted.finished;
  t.is(code, 0, output);
  t.is(output, ''); // S6_LOGGING=2: all of it went to the logger
});

test('S6_CATCHALL_USER naming no account: a warning says so, and the catch-all logger runs as root', async (t) => {
  const booted = boot(makeRoot(undefined, HELLO), [], { run: ROOT_RUN, env: { S6_LOGGING: '1', S6_CATCHALL_USER: 'ghost' } });
  const nuwa = await booted.hostPid();
  const logger = await waitFor('the catch-all logger', () => catchAllLogger(nuwa));
  t.is(uidOf(logger), 0);
  await waitFor('the boot on the console', () => booted.output().includes('cont-init hello\n'));
  process.kill(nuwa, 'SIGTERM');
  const { code, output } = await booted.finished;
  t.is(code, 0, output);
  t.regex(output, /warning: S6_CATCHALL_USER=ghost is not in \/etc\/passwd: the catch-all logger runs as root\n/);
});

test(
  'S6_CATCHALL_USER naming an account that cannot enter /run (mode 0700): ' +
    'a warning says so, and the logger runs as root and keeps every line',
  async (t) => {
    const booted = boot(makeRoot(undefined, HELLO), [], {
      run: { uid: 0, mode: 0o700 },
      env: { S6_LOGGING: '1', S6_CATCHALL_USER: 'app' },
    });
    const nuwa = await booted.hostPid();
    const logger = await waitFor('the catch-all logger', () => catchAllLogger(nuwa));
    t.is(uidOf(logger), 0);
    await waitFor(
      'the boot in the log',
      () =>
        fs.existsSync(path.join(booted.run, 'uncaught-logs/current')) &&
        fs.readFileSync(path.join(booted.run, 'uncaught-logs/current'), 'utf8').includes('cont-init hello'),
    );
    process.kill(nuwa, 'SIGTERM');
    const { code, output } = await booted.finished;
    t.is(code, 0, output);
    t.regex(output, /warning: S6_CATCHALL_USER=app cannot enter \/run \(mode 0700\): the catch-all logger runs as root\n/);
  },
);

test(
  'S6_CMD_USE_TERMINAL=1 with S6_LOGGING=2 on a terminal: CMD writes to the terminal and the rest to the logger; ' +
    'without it CMD goes to the logger too',
  async (t) => {
    const cmd = ['sh', '-c', 'echo "CMD line"; exit 3'];
    const logOf = (run: string) => fs.readFileSync(path.join(run, 'uncaught-logs/current'), 'utf8');

    const terminal = boot(makeRoot(undefined, HELLO), cmd, { terminal: true, env: { S6_LOGGING: '2', S6_CMD_USE_TERMINAL: '1' } });
    const onTerminal = await terminal.finished;
    t.is(onTerminal.code, 3, onTerminal.output);
    t.regex(onTerminal.output, /^CMD line\r?$/m);
    t.notRegex(onTerminal.output, /cont-init hello/);
    t.regex(logOf(terminal.run), /cont-init hello\n/);
    t.notRegex(logOf(terminal.run), /CMD line/);

    const logged = boot(makeRoot(undefined, HELLO), cmd, { terminal: true, env: { S6_LOGGING: '2' } });
    const toLogger = await logged.finished;
    t.is(toLogger.code, 3, toLogger.output);
    t.notRegex(toLogger.output, /CMD line/);
    t.regex(logOf(logged.run), /cont-init hello\n/);
    t.regex(logOf(logged.run), /CMD line\n/);
  },
);

test('S6_CMD_USE_TERMINAL=1 without a terminal: CMD still goes to the logger (s6-overlay only redirects to a tty on stdin)', async (t) => {
  const booted = boot(makeRoot(undefined, HELLO), ['sh', '-c', 'echo "CMD line"; exit 3'], {
    env: { S6_LOGGING: '2', S6_CMD_USE_TERMINAL: '1' },
  });
  const { code, output } = await booted.finished;
  t.is(code, 3, output);
  t.is(output, '');
  t.regex(fs.readFileSync(path.join(booted.run, 'uncaught-logs/current'), 'utf8'), /CMD line\n/);
});

test(
  'a world-writable root-owned /run under a non-root user: used with a warning; ' +
    'S6_YES_I_WANT_A_WORLD_WRITABLE_RUN_BECAUSE_KUBERNETES=1 accepts it without one',
  async (t) => {
    const cmd = ['sh', '-c', 'echo "CMD ran as uid $(id -u)"'];
    const worldWritable = { uid: 0, mode: 0o777 };

    const warned = await boot(makeRoot(undefined, HELLO), cmd, { user: true, run: worldWritable }).finished;
    t.is(warned.code, 0, warned.output);
    t.regex(
      warned.output,
      new RegExp(
        'warning: /run belongs to uid 0 instead of 1000 and is world-writable without the sticky bit: using it anyway ' +
          '\\(set S6_YES_I_WANT_A_WORLD_WRITABLE_RUN_BECAUSE_KUBERNETES=1 to silence this\\)\\n',
      ),
    );
    t.regex(warned.output, /CMD ran as uid 1000\n/);

    const env = { S6_YES_I_WANT_A_WORLD_WRITABLE_RUN_BECAUSE_KUBERNETES: '1' };
    const accepted = await boot(makeRoot(undefined, HELLO), cmd, { user: true, run: worldWritable, env }).finished;
    t.is(accepted.code, 0, accepted.output);
    t.notRegex(accepted.output, /warning/);
    t.regex(accepted.output, /CMD ran as uid 1000\n/);
  },
);

test(
  'S6_READ_ONLY_ROOT=1 on a read-only root whose /run is read-only too: a tmpfs goes on /run and the container boots; ' +
    'without it the boot stops with exit 100',
  async (t) => {
    const cmd = ['sh', '-c', 'echo "CMD: /run is $(stat -f -c %T /run)"; touch /run/file && echo "CMD: /run is writable"'];

    const mounted = await boot(makeRoot(undefined, HELLO), cmd, { readOnly: true, run: 'image', env: { S6_READ_ONLY_ROOT: '1' } }).finished;
    t.is(mounted.code, 0, mounted.output);
    t.regex(mounted.output, /creating a tmpfs on \/run\n/);
    t.regex(mounted.output, /cont-init hello\n/);
    t.regex(mounted.output, /CMD: \/run is tmpfs\nCMD: \/run is writable\n/);

    const refused = await boot(makeRoot(undefined, HELLO), cmd, { readOnly: true, run: 'image' }).finished;
    t.is(refused.code, 100, refused.output);
    t.regex(refused.output, /error: cannot prepare \/run: .*: give the container a \/run its user can write/);
    t.notRegex(refused.output, /cont-init hello|CMD:/);
  },
);

test(
  'S6_FIX_ATTRS_HIDDEN=1: a recursive fix-attrs.d line also changes dotfiles and dot-directories, ' + 'which it skips by default',
  async (t) => {
    const files: Files = {
      'etc/fix-attrs.d/01-data': { content: '/data true app:app,1000:1000 0640 0750\n' },
      'data/visible': { content: 'x', mode: 0o644 },
      'data/.hidden': { content: 'x', mode: 0o644 },
      'data/.cache/inner': { content: 'x', mode: 0o644 },
    };
    const attrs = (root: string, file: string) => {
      const st = fs.statSync(path.join(root, file));
      return [st.uid, st.mode & 0o777];
    };

    const skipping = makeRoot(undefined, files);
    const byDefault = await boot(skipping, ['true']).finished;
    t.is(byDefault.code, 0, byDefault.output);
    t.deepEqual(attrs(skipping, 'data/visible'), [APP_UID, 0o640]);
    t.deepEqual(attrs(skipping, 'data/.hidden'), [0, 0o644]);
    t.deepEqual(attrs(skipping, 'data/.cache'), [0, 0o755]);
    t.deepEqual(attrs(skipping, 'data/.cache/inner'), [0, 0o644]);

    const including = makeRoot(undefined, files);
    const hidden = await boot(including, ['true'], { env: { S6_FIX_ATTRS_HIDDEN: '1' } }).finished;
    t.is(hidden.code, 0, hidden.output);
    t.deepEqual(attrs(including, 'data/visible'), [APP_UID, 0o640]);
    t.deepEqual(attrs(including, 'data/.hidden'), [APP_UID, 0o640]);
    t.deepEqual(attrs(including, 'data/.cache'), [APP_UID, 0o750]);
    t.deepEqual(attrs(including, 'data/.cache/inner'), [APP_UID, 0o640]);
  },
);

test(
  'S6_SERVICES_READYTIME with S6_CMD_WAIT_FOR_SERVICES=1: ' + 'CMD starts no sooner than that many ms after services.d is launched',
  async (t) => {
    // A lower bound measured inside the container: a slow machine only makes the gap longer, never shorter. The
    // cont-init.d script runs before services.d is launched (legacy-services depends on base).
    const files: Files = {
      'etc/cont-init.d/01-mark': { content: '#!/bin/sh\ndate +%s%N > /run/cont-init-time\n', mode: 0o755 },
      'etc/services.d/daemon/run': { content: '#!/bin/sh\nexec sleep 1000\n', mode: 0o755 },
    };
    const booted = boot(makeRoot(undefined, files), ['sh', '-c', 'date +%s%N > /run/cmd-time'], {
      env: { S6_CMD_WAIT_FOR_SERVICES: '1', S6_SERVICES_READYTIME: '3000' },
    });
    const { code, output } = await booted.finished;
    t.is(code, 0, output);
    const at = (file: string) => BigInt(fs.readFileSync(path.join(booted.run, file), 'utf8').trim());
    const gapMs = Number((at('cmd-time') - at('cont-init-time')) / 1_000_000n);
    t.true(gapMs >= 3000, `CMD started ${gapMs} ms after cont-init.d`);
  },
);
