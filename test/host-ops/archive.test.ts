/** bin/archive_volumes against Debian's real borg 1.2: backup, list, byte-identical restore, retention, bad repositories. */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requireCommand, toolTmpdir, waitFor } from '../helpers';
import { fillVolumes, makeAppFolder, snapshot, type AppFolder } from './fixtures/app-folder';
import { scratchDir } from './fixtures/scratch';

function borg(app: AppFolder, args: string[]) {
  const r = spawnSync('borg', args, {
    encoding: 'utf8',
    env: { ...process.env, BORG_BASE_DIR: path.join(path.dirname(app.dir), 'borg-home') },
  });
  if (r.status !== 0) throw new Error(`borg ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function archives(app: AppFolder, repo: string): string[] {
  return borg(app, ['list', '--short', repo]).split('\n').filter(Boolean);
}

test.before(() => {
  requireCommand('borg', 'borgbackup');
  requireCommand('unshare', 'util-linux');
});

test('a backup goes to the default repository under the app folder, is listed by date, and restores byte-identical', (t) => {
  const app = makeAppFolder('nuwa-t8-borg', {});
  fillVolumes(app.dir);
  const r = app.run('archive_volumes');
  t.is(r.status, 0, r.stderr);
  t.regex(r.stderr, /created borg repository .*backups\/borg/);
  const repo = path.join(app.dir, 'backups/borg');
  const [name] = archives(app, repo);
  t.regex(name ?? '', /^nuwa-t8-borg-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);

  const listed = app.run('archive_volumes', ['--list']);
  t.is(listed.status, 0, listed.stderr);
  t.true(listed.stdout.includes(name as string));
  const files = app.run('archive_volumes', ['--list', name as string]);
  t.is(files.status, 0, files.stderr);
  t.regex(files.stdout, /12345\s+23456\s+.*volumes\/db\/data\.bin/);

  const restored = app.run('archive_volumes', ['--restore', name as string]);
  t.is(restored.status, 0, restored.stderr);
  const dest = path.join(app.dir, 'restore', name as string, 'volumes');
  t.deepEqual(snapshot(dest), snapshot(path.join(app.dir, 'volumes')));

  // Restoring over existing volumes is refused; into a fresh folder it works (the way back after rm -r volumes).
  const again = app.run('archive_volumes', ['--restore', name as string]);
  t.is(again.status, 1);
  t.regex(again.stderr, /volumes already exists: move it away/);
  const other = scratchDir('nuwa-t8-restore-');
  const into = app.run('archive_volumes', ['--restore', name as string, other]);
  t.is(into.status, 0, into.stderr);
  t.deepEqual(snapshot(path.join(other, 'volumes')), snapshot(path.join(app.dir, 'volumes')));
  t.deepEqual(fs.readdirSync(other), ['volumes'], 'no staging folder is left behind');
});

test('retention: after a backup, borg prune keeps what NUWA_BORG_KEEP_* say and leaves other apps alone', (t) => {
  const app = makeAppFolder('nuwa-t8-prune', { NUWA_BORG_KEEP_DAILY: '2', NUWA_BORG_KEEP_WEEKLY: '0', NUWA_BORG_KEEP_MONTHLY: '0' });
  fillVolumes(app.dir, 1000);
  const repo = path.join(app.dir, 'backups/borg');
  t.is(app.run('archive_volumes', ['--init']).status, 0);
  // Three older daily backups, as the cron job would have made them, plus one of another app in the same repository.
  const now = Date.now();
  const day = (n: number) => new Date(now - n * 86_400_000).toISOString().slice(0, 19);
  for (const n of [3, 2, 1]) {
    borg(app, ['create', '--timestamp', day(n), `${repo}::nuwa-t8-prune-${day(n)}`, path.join(app.dir, 'volumes')]);
  }
  borg(app, ['create', '--timestamp', day(3), `${repo}::nuwa-t8-prune-admin-${day(3)}`, path.join(app.dir, 'volumes')]);
  const r = app.run('archive_volumes');
  t.is(r.status, 0, r.stderr);
  const left = archives(app, repo);
  t.is(left.length, 3, left.join('\n'));
  t.true(left.includes(`nuwa-t8-prune-${day(1)}`), 'yesterday is kept');
  t.true(left.includes(`nuwa-t8-prune-admin-${day(3)}`), "another app's archive is not pruned");
  t.false(left.includes(`nuwa-t8-prune-${day(2)}`));
  t.false(left.includes(`nuwa-t8-prune-${day(3)}`));
  t.regex(r.stderr, /kept: 2 daily, 0 weekly, 0 monthly/);
});

test('a locked repository fails with a clear message naming borg break-lock, and works once the lock is gone', async (t) => {
  const app = makeAppFolder('nuwa-t8-lock', { NUWA_BORG_LOCK_WAIT: '1' });
  fillVolumes(app.dir, 1000);
  t.is(app.run('archive_volumes', ['--init']).status, 0);
  const repo = path.join(app.dir, 'backups/borg');
  const holder = spawn('borg', ['with-lock', repo, 'sleep', '120'], {
    env: { ...process.env, BORG_BASE_DIR: path.join(path.dirname(app.dir), 'borg-home') },
    stdio: 'ignore',
  });
  t.teardown(() => {
    holder.kill('SIGTERM');
  });
  // borg is a Python program: on a loaded machine its start alone can take longer than waitFor's default 20 s
  await waitFor('borg with-lock to hold the lock', () => fs.existsSync(path.join(repo, 'lock.exclusive')), { timeoutMs: 90_000 });
  const r = app.run('archive_volumes');
  t.is(r.status, 1);
  t.regex(r.stderr, /backing up .* failed: the repository .* is locked by another borg process .*borg break-lock/);
  holder.kill('SIGTERM');
  await waitFor('the lock to be released', () => !fs.existsSync(path.join(repo, 'lock.exclusive')));
  const ok = app.run('archive_volumes');
  t.is(ok.status, 0, ok.stderr);
  t.is(archives(app, repo).length, 1);
});

test('a configured repository that does not exist is an error that says how to create it', (t) => {
  const repo = path.join(scratchDir('nuwa-t8-repo-'), 'elsewhere');
  const app = makeAppFolder('nuwa-t8-norepo', { NUWA_BORG_REPO: repo });
  fillVolumes(app.dir, 1000);
  const r = app.run('archive_volumes');
  t.is(r.status, 1);
  t.regex(r.stderr, /there is no borg repository at .*elsewhere .*bin\/archive_volumes --init/);
  t.false(fs.existsSync(repo), "nothing was created behind the user's back");
  t.is(app.run('archive_volumes', ['--init']).status, 0);
  const ok = app.run('archive_volumes');
  t.is(ok.status, 0, ok.stderr);
});

test('not enough disk for the repository: the failing step and the reason are named', (t) => {
  const disk = scratchDir('nuwa-t8-disk-');
  const app = makeAppFolder('nuwa-t8-diskfull', { NUWA_BORG_REPO: path.join(disk, 'repo') });
  fillVolumes(app.dir, 3_000_000); // random bytes: borg cannot compress or deduplicate them into 1 MiB
  const r = app.run('archive_volumes', [], {
    prefix: ['unshare', '-m', 'sh', '-c', 'mount -t tmpfs -o size=1m nuwa-t8-tiny "$0" && bin/archive_volumes --init && exec "$@"', disk],
  });
  t.is(r.status, 1, r.stderr);
  t.regex(r.stderr, /backing up .* failed: not enough disk space for the repository/);
});

test('nuwa-host archive DIR runs the same script (bin/archive_volumes)', (t) => {
  const nuwa = path.join(__dirname, '../../dist/nuwa');
  if (!fs.existsSync(nuwa)) throw new Error(`${nuwa} is missing: run "npm run build" (npm test does it)`);
  const app = makeAppFolder('nuwa-t8-hostcli', {});
  fillVolumes(app.dir, 1000);
  const env = {
    ...process.env,
    NUWA_HOST_CONF: app.hostConf,
    BORG_BASE_DIR: path.join(path.dirname(app.dir), 'borg-home'),
    TMPDIR: toolTmpdir(),
  };
  const made = spawnSync(nuwa, ['nuwa-host', 'archive', app.dir], { encoding: 'utf8', env });
  t.is(made.status, 0, made.stderr);
  const listed = spawnSync(nuwa, ['nuwa-host', 'archive', app.dir, '--list'], { encoding: 'utf8', env });
  t.is(listed.status, 0, listed.stderr);
  t.regex(listed.stdout, /^nuwa-t8-hostcli-\d{4}-\d\d-\d\dT/m);
});

test('--list before any backup says there is none and creates no repository', (t) => {
  const app = makeAppFolder('nuwa-t15-nolist', {});
  fillVolumes(app.dir, 1000);
  const listed = app.run('archive_volumes', ['--list']);
  t.is(listed.status, 1);
  t.regex(listed.stderr, /^bin\/archive_volumes: there is no borg repository at .*backups\/borg yet: the first bin\/archive_volumes/);
  t.false(fs.existsSync(path.join(app.dir, 'backups')));
});
