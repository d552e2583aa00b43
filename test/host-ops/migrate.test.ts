/**
 * bin/migrate: the volumes leave as one self-unpacking file and come back, in another folder, with the same bytes,
 * owners, groups and modes, by number, for ids that exist on no host.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { removeOnExit, requireCommand } from '../helpers';
import { removeApp, runApp } from './fixtures/app-container';
import { fillVolumes, makeAppFolder, snapshot } from './fixtures/app-folder';
import { scratchDir } from './fixtures/scratch';

function unpack(file: string, cwd: string, args: string[] = [], prefix: string[] = []) {
  const command = [...prefix, 'bash', file, ...args];
  const r = spawnSync(command[0] as string, command.slice(1), { cwd, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A private mount namespace with a 1 MiB tmpfs on `dir`: a real full disk that vanishes with the command. */
function onTinyDisk(dir: string): string[] {
  return ['unshare', '-m', 'sh', '-c', 'mount -t tmpfs -o size=1m nuwa-t8-tiny "$0" && exec "$@"', dir];
}

test.before(() => {
  requireCommand('tar');
  requireCommand('unshare', 'util-linux');
  // The ids must be unknown here, or the test would not show that numbers (not names) travel.
  for (const db of ['passwd', 'group']) {
    for (const id of ['12345', '23456', '4242', '4343', '54321']) {
      if (spawnSync('getent', [db, id]).status === 0) throw new Error(`test premise broken: ${db} ${id} exists on this host`);
    }
  }
});

test('migrate writes a self-unpacking file that restores bytes, owners, groups and modes exactly in another folder', (t) => {
  const app = makeAppFolder('nuwa-t8-shop', {});
  fillVolumes(app.dir);
  const r = app.run('migrate');
  t.is(r.status, 0, r.stderr);
  const file = path.join(app.dir, 'volumes-nuwa-t8-shop.tar.gz.sh');
  t.is(fs.statSync(file).mode & 0o777, 0o600, 'the file may hold secrets: root only');
  t.true(r.stdout.includes(`scp ${file} root@NEW-HOST:${app.dir}/`), r.stdout);

  // "Another host": a fresh folder; the file is run exactly as the header documents.
  const target = scratchDir('nuwa-t8-target-');
  const u = unpack(file, target);
  t.is(u.status, 0, u.stderr);
  t.regex(u.stderr + u.stdout, /owners, groups and modes match/);
  t.deepEqual(snapshot(path.join(target, 'volumes')), snapshot(path.join(app.dir, 'volumes')));
  const tool = fs.statSync(path.join(target, 'volumes/bin/tool'));
  t.is(tool.mode & 0o7777, 0o4755, 'set-user-id bit survives the chown');
  t.is(fs.lstatSync(path.join(target, 'volumes/shared/link-to-data')).uid, 4242);
  t.deepEqual(fs.readdirSync(target), ['volumes'], 'no staging folder is left behind');
});

test('migrate --to prints that destination, and the target folder can be given as an argument', (t) => {
  const app = makeAppFolder('nuwa-t8-dest', {});
  fillVolumes(app.dir, 1000);
  const r = app.run('migrate', ['--to', 'deploy@new.example.test:/srv/nuwa-t8-dest/']);
  t.is(r.status, 0, r.stderr);
  const file = path.join(app.dir, 'volumes-nuwa-t8-dest.tar.gz.sh');
  t.true(r.stdout.includes(`scp ${file} deploy@new.example.test:/srv/nuwa-t8-dest/`), r.stdout);
  const target = scratchDir('nuwa-t8-target-');
  const u = unpack(file, '/', [target]);
  t.is(u.status, 0, u.stderr);
  t.deepEqual(snapshot(path.join(target, 'volumes')), snapshot(path.join(app.dir, 'volumes')));
  const listed = unpack(file, '/', ['--list']);
  t.is(listed.status, 0, listed.stderr);
  t.regex(listed.stdout, /12345\/23456 .*volumes\/db\/data\.bin/);
});

test('the unpacker refuses an existing volumes folder and a damaged file, and changes nothing', (t) => {
  const app = makeAppFolder('nuwa-t8-refuse', {});
  fillVolumes(app.dir, 50_000);
  t.is(app.run('migrate').status, 0);
  const file = path.join(app.dir, 'volumes-nuwa-t8-refuse.tar.gz.sh');

  const target = scratchDir('nuwa-t8-target-');
  fs.mkdirSync(path.join(target, 'volumes'));
  fs.writeFileSync(path.join(target, 'volumes/keep-me'), 'mine');
  const exists = unpack(file, target);
  t.is(exists.status, 1);
  t.regex(exists.stderr, /volumes already exists: move it away/);
  t.deepEqual(fs.readdirSync(path.join(target, 'volumes')), ['keep-me']);

  const truncated = path.join(scratchDir('nuwa-t8-cut-'), 'volumes-nuwa-t8-refuse.tar.gz.sh');
  fs.writeFileSync(truncated, fs.readFileSync(file).subarray(0, fs.statSync(file).size - 1000));
  const empty = scratchDir('nuwa-t8-target-');
  const damaged = unpack(truncated, empty);
  t.is(damaged.status, 1);
  t.regex(damaged.stderr, /damaged or incomplete \(SHA-256 mismatch\)/);
  t.deepEqual(fs.readdirSync(empty), []);
});

test('not enough disk: migrate and the unpacker say so, and leave no partial file or folder', (t) => {
  const app = makeAppFolder('nuwa-t8-full', {});
  fillVolumes(app.dir, 3_000_000); // random bytes do not compress: 3 MB cannot fit on 1 MiB
  const out = scratchDir('nuwa-t8-out-');
  const r = app.run('migrate', ['--output', out], { prefix: onTinyDisk(out) });
  t.is(r.status, 1);
  t.regex(r.stderr, new RegExp(`not enough disk space in ${out}`));
  t.deepEqual(fs.readdirSync(out), [], 'nothing written to the real folder under the mount');

  t.is(app.run('migrate').status, 0);
  const target = scratchDir('nuwa-t8-target-');
  const u = unpack(path.join(app.dir, 'volumes-nuwa-t8-full.tar.gz.sh'), target, [], onTinyDisk(target));
  t.is(u.status, 1);
  t.regex(u.stderr, /not enough disk space/);
  t.deepEqual(fs.readdirSync(target), []);
});

test('migrate refuses while the container runs (files would change under tar) unless --live', (t) => {
  const app = makeAppFolder('nuwa-t8-live', {});
  fillVolumes(app.dir, 1000);
  // as bin/run labels it: scripts touch only a container of their own folder
  runApp('nuwa-t8-live', 18121, ['--label', `nuwa.dir=${fs.realpathSync(app.dir)}`]);
  t.teardown(() => removeApp('nuwa-t8-live'));
  const refused = app.run('migrate');
  t.is(refused.status, 1);
  t.regex(refused.stderr, /container nuwa-t8-live is running.*stop it first.*--live/);
  t.false(fs.existsSync(path.join(app.dir, 'volumes-nuwa-t8-live.tar.gz.sh')));
  const live = app.run('migrate', ['--live']);
  t.is(live.status, 0, live.stderr);
  t.true(fs.existsSync(path.join(app.dir, 'volumes-nuwa-t8-live.tar.gz.sh')));
});

test('migrate refuses a hostile destination and a hostile app folder name', (t) => {
  const app = makeAppFolder('nuwa-t8-hostile', {});
  fillVolumes(app.dir, 1000);
  removeOnExit('/tmp/nuwa-t8-pwned'); // only there if the check below fails
  const r = app.run('migrate', ['--to', 'x@h:/srv/$(touch /tmp/nuwa-t8-pwned)']);
  t.is(r.status, 1);
  t.regex(r.stderr, /--to .* is not USER@HOST:DIR/);
  t.false(fs.existsSync('/tmp/nuwa-t8-pwned'));

  const bad = makeAppFolder('my app;x', {});
  const b = bad.run('migrate');
  t.is(b.status, 1);
  t.regex(b.stderr, /is not allowed/);
});

test('nuwa-host migrate DIR runs the same script', (t) => {
  const nuwa = path.join(__dirname, '../../dist/nuwa');
  if (!fs.existsSync(nuwa)) throw new Error(`${nuwa} is missing: run "npm run build" (npm test does it)`);
  const app = makeAppFolder('nuwa-t8-hostmig', {});
  fillVolumes(app.dir, 1000);
  const r = spawnSync(nuwa, ['nuwa-host', 'migrate', app.dir, '--to', 'root@b.example.test:/srv/x/'], {
    encoding: 'utf8',
    env: { ...process.env, NUWA_HOST_CONF: app.hostConf },
  });
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /^scp .*volumes-nuwa-t8-hostmig\.tar\.gz\.sh root@b\.example\.test:\/srv\/x\/$/m);
});
