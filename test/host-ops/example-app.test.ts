/**
 * The README's story with the example Django app, end to end on loopback: nuwa-host build, the tutorial's Setup line,
 * bin/run, bin/install (a certificate from pebble, real nginx serving the app over HTTPS), bin/uninstall, a borg
 * backup restored byte-identical, a migrate archive unpacked exactly elsewhere, and bin/install again on the same data.
 * Its own nginx and pebble ports, so it runs beside install.test.ts.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONTAINERS_CONF, ROOT, podman, requireCommand, toolTmpdir } from '../helpers';
import { nuwaHost } from '../host/host-helpers';
import { ALT_PEBBLE_PORTS, startPebble, type Pebble } from './fixtures/acme';
import { snapshot } from './fixtures/app-folder';
import { startNginx, type Nginx } from './fixtures/nginx';
import { tlsHost } from './fixtures/tls-host';
import { scratchDir } from './fixtures/scratch';

const HTTP_PORT = 18182;
const HTTPS_PORT = 18145;
const APP = 'nuwa-t8-example';
const DOMAIN = 'example.nuwa-t8.test';

let nginx: Nginx;
let pebble: Pebble;
let base: string;
let hostConf: string;
let appDir: string;

test.before(async () => {
  for (const c of ['nginx', 'certbot', 'curl', 'podman', 'jq', 'borg', 'debootstrap']) requireCommand(c, c === 'borg' ? 'borgbackup' : c);
  base = scratchDir('nuwa-t8-example-');
  fs.chmodSync(base, 0o755);
  nginx = await startNginx(path.join(base, 'nginx'), HTTP_PORT);
  pebble = await startPebble(path.join(base, 'pebble'), HTTP_PORT, ALT_PEBBLE_PORTS);
  const host = tlsHost(base, nginx, pebble, HTTPS_PORT);
  hostConf = path.join(base, 'host.env');
  fs.writeFileSync(
    hostConf,
    Object.entries({ ...host, NUWA_CONTAINERS_CONF: CONTAINERS_CONF })
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
  );
  fs.mkdirSync(path.join(base, 'srv'));
  appDir = path.join(base, 'srv', APP);
});

test.after.always(async () => {
  spawnSync('podman', ['rm', '-f', '-t', '2', APP], { env: { ...process.env, CONTAINERS_CONF } });
  await nginx?.stop();
  await pebble?.stop();
});

/** A command line as the user types it in the app folder. */
function sh(line: string, cwd = appDir, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync('bash', ['-c', line], {
    cwd,
    encoding: 'utf8',
    timeout: 10 * 60_000,
    env: {
      ...process.env,
      CONTAINERS_CONF,
      NUWA_HOST_CONF: hostConf,
      BORG_BASE_DIR: path.join(base, 'borg-home'),
      TMPDIR: toolTmpdir(),
      ...env,
    },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function page(urlPath: string): { status: number; body: string } {
  const r = spawnSync(
    'curl',
    [
      '-sS',
      '--max-time',
      '20',
      '--resolve',
      `${DOMAIN}:${HTTPS_PORT}:127.0.0.1`,
      '--cacert',
      pebble.rootCa,
      '-w',
      '\n%{http_code}',
      `https://${DOMAIN}:${HTTPS_PORT}${urlPath}`,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`curl: ${r.stderr}`);
  const cut = r.stdout.lastIndexOf('\n');
  return { status: Number(r.stdout.slice(cut + 1)), body: r.stdout.slice(0, cut) };
}

test.serial('the example app: build, Setup, run, install over HTTPS, uninstall, backup and migrate its real data, install again', (t) => {
  t.timeout(30 * 60_000, 'a cold build debootstraps and installs Debian packages');
  const built = nuwaHost(['build', '--tag', APP, path.join(ROOT, 'layers/app-example')]);
  t.is(built.code, 0, built.stderr.slice(-3000));
  const bid = built.stdout.trim().split('\n').at(-1) as string;

  // The tutorial, word for word, then the two lines a user adds to nuwa.env for the web.
  fs.mkdirSync(appDir);
  let r = sh(`export BID=${bid}\nbash -c "\`podman inspect -f '{{json .Config.Labels}}' $BID | jq -r '.["Setup"]'\`"`, appDir, {
    NUWA_PORT: '18139',
  });
  t.is(r.status, 0, r.stderr);
  fs.appendFileSync(path.join(appDir, 'nuwa.env'), `NUWA_DOMAIN=${DOMAIN}\nALLOWED_HOSTS=${DOMAIN}\n`);
  r = sh('bin/run');
  t.is(r.status, 0, r.stderr);

  r = sh('bin/install');
  t.is(r.status, 0, r.stderr);
  t.regex(r.stderr, /installed: https:\/\/example\.nuwa-t8\.test:18145\/healthz answers \(HTTP 200\) through nginx/);
  const first = page('/');
  t.is(first.status, 200);
  t.regex(first.body, /^Hello from nuwa's example app \(Django [\d.]+\)\. Visits: 1\n$/);

  r = sh('bin/uninstall');
  t.is(r.status, 0, r.stderr);
  t.is(podman(['container', 'inspect', '-f', '{{.State.Status}}', APP]).trim(), 'exited');

  // With the container stopped the data holds still: a backup and a migrate archive must reproduce it exactly.
  const volumes = snapshot(path.join(appDir, 'volumes'));
  const db = volumes.find((e) => e.path.endsWith('db.sqlite3'));
  t.like(db, { type: 'file', mode: '640', uid: 33, gid: 33 }, "the database as the image made it: www-data's, mode 640");
  r = sh('bin/archive_volumes');
  t.is(r.status, 0, r.stderr);
  const archive = sh('bin/archive_volumes --list').stdout.trim().split(/\s+/)[0] as string;
  const restored = scratchDir('nuwa-t8-restored-');
  r = sh(`bin/archive_volumes --restore ${archive} ${restored}`);
  t.is(r.status, 0, r.stderr);
  t.deepEqual(snapshot(path.join(restored, 'volumes')), volumes);

  r = sh('bin/migrate');
  t.is(r.status, 0, r.stderr);
  const elsewhere = scratchDir('nuwa-t8-newhost-');
  r = sh(`bash ${path.join(appDir, `volumes-${APP}.tar.gz.sh`)}`, elsewhere);
  t.is(r.status, 0, r.stderr);
  t.deepEqual(snapshot(path.join(elsewhere, 'volumes')), volumes);

  r = sh('bin/install');
  t.is(r.status, 0, r.stderr);
  t.regex(page('/').body, /Visits: 2\n$/, 'the same data is served again');
});
