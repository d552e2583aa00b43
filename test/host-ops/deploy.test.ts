/**
 * bin/deploy, bin/rollback and bin/releases against the real things on loopback: a real nginx master in front
 * (bin/install with NUWA_TLS=off), releases as real nuwa images in real Podman containers (nuwa as /init, its
 * `nuwa health` asked by the health gate), monit watching, and a client making a request through nginx every 20 ms
 * while releases change: not one request may fail. One app, one story: the tests run one after another.
 */
import test from 'ava';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, podman, waitFor } from '../helpers';
import { DeployedApp } from './fixtures/deployed-app';
import { releaseImage } from './fixtures/release-images';
import { assertServed, client } from './fixtures/request-client';

const HTTP_PORT = 18560;
const APP_PORT = 18569;
const PORT_RANGE = '18570-18599';
const APP = 'nuwa-t15-web';
const DOMAIN = 'web.t15.example.test';
const SECRET = 't15-hidden-value';
/** The tutorial's line, as the image's RunSetup label holds it. */
const RUN_SETUP =
  `bash -c "\`podman inspect -f '{{json .Config.Labels}}' $BID | jq -rn '(try input catch null) | .Setup // ` +
  `"echo nuwa: BID=$BID names no image with a Setup label, see podman images >&2; exit 1"'\`"`;

const d = new DeployedApp({
  prefix: 'nuwa-t15',
  httpPort: HTTP_PORT,
  appPort: APP_PORT,
  portRange: PORT_RANGE,
  domain: DOMAIN,
  setupLine: RUN_SETUP,
  env: [`SECRET_TOKEN=${SECRET}`],
});
let monit: ChildProcess | undefined;
const images: Record<string, string> = {};

/** The version a request through nginx is served, or what failed. */
async function version(): Promise<string> {
  const r = await d.get('/');
  return r.status === 200 ? r.body : `FAILED: HTTP ${r.status} ${r.body.slice(0, 80)}`;
}

function monitStatus(check: string): string {
  return spawnSync('monit', ['-c', d.monitrc, 'status', check], { encoding: 'utf8' }).stdout;
}

test.before(async () => {
  nuwaBinary();
  for (const v of ['v1', 'v2', 'v3-broken']) images[v] = releaseImage(v, v === 'v2' ? { 'nuwa.env.GREETING': 'hello' } : {});
  await d.install(images.v1 as string);
  monit = spawn('monit', ['-I', '-c', d.monitrc], { stdio: 'ignore' });
  await waitFor('monit to watch the app', () => /^ *monitoring status +Monitored/m.test(monitStatus(`nuwa-${APP}`)), {
    timeoutMs: 60_000,
  });
});

test.after.always(async () => {
  if (monit && monit.exitCode === null) monit.kill('SIGTERM');
  await d.remove();
});

test.serial('v1 is served through nginx by a plain HTTP site (NUWA_TLS=off)', async (t) => {
  t.deepEqual(await d.get('/'), { status: 200, body: 'version v1' });
  const site = fs.readFileSync(path.join(d.nginx.sitesAvailable, `nuwa-${APP}.conf`), 'utf8');
  t.notRegex(site, /ssl_certificate/);
  t.regex(site, new RegExp(`proxy_pass http://127\\.0\\.0\\.1:${APP_PORT};`));
});

test.serial('rollback with no kept release says so in one line and changes nothing', (t) => {
  const before = d.state();
  const r = d.sh('bin/rollback');
  t.is(r.code, 1);
  t.is(
    r.stderr.trim(),
    'bin/rollback: no kept release to roll back to: each bin/deploy keeps the release it replaces (bin/releases lists them)',
  );
  t.is(d.state(), before);
});

test.serial('deploy v2, deploy v3 (its health fails), rollback: zero failed requests through nginx', async (t) => {
  t.timeout(10 * 60_000);
  const c = client(version);
  try {
    await waitFor('the client to see v1', () => true);
    c.phase = 'deploy v2';
    const v2 = await d.shAsync(`bin/deploy ${images.v2}`);
    c.phase = 'after deploy v2';
    t.is(v2.code, 0, v2.stderr);
    t.regex(v2.stderr, /^bin\/deploy: \[\d+s\] nginx now sends new requests to 127\.0\.0\.1:185\d\d/m);
    t.deepEqual(await d.get('/'), { status: 200, body: 'version v2' });

    c.phase = 'deploy v3';
    const v3 = await d.shAsync(`bin/deploy ${images['v3-broken']}`);
    c.phase = 'after deploy v3';
    t.is(v3.code, 1, v3.stderr);
    t.regex(v3.stderr, /did not become healthy within 40s \(NUWA_DEPLOY_TIMEOUT\): http:\/\/127\.0\.0\.1:\d+\/healthz answered 500/);
    t.regex(v3.stderr, /the last log lines of nuwa-t15-web-next:/);
    t.deepEqual(await d.get('/'), { status: 200, body: 'version v2' });

    c.phase = 'rollback';
    const back = await d.shAsync('bin/rollback');
    c.phase = 'after rollback';
    t.is(back.code, 0, back.stderr);
    t.deepEqual(await d.get('/'), { status: 200, body: 'version v1' });
    await new Promise((resolve) => setTimeout(resolve, 500)); // a few requests of the last phase
  } finally {
    const seen = await c.stop();
    assertServed(t, seen, ['before', 'deploy v2', 'rollback', 'after rollback'], {
      before: ['version v1'],
      'deploy v2': ['version v1', 'version v2'],
      'after deploy v2': ['version v2'],
      'deploy v3': ['version v2'],
      'after deploy v3': ['version v2'],
      rollback: ['version v2', 'version v1'],
      'after rollback': ['version v1'],
    });
    t.true(seen.length > 100, `${seen.length} requests`);
  }
});

test.serial('after the rollback: the refused v3 left nothing; releases lists v1 live and v2 kept; monit watches v1', (t) => {
  t.timeout(10 * 60_000, 'a loaded machine runs podman slowly');
  t.is(d.sh(`podman container exists ${APP}-next`).code, 1, 'the refused container is gone');
  t.regex(fs.readFileSync(path.join(d.appDir, 'nuwa.env'), 'utf8'), new RegExp(`^NUWA_IMAGE=${images.v1}$`, 'm'));
  t.is(fs.readFileSync(path.join(d.appDir, 'volumes/srv/data/seed'), 'utf8'), 'seed\n');
  const r = d.sh('bin/releases --json');
  t.is(r.code, 0, r.stderr);
  const releases = JSON.parse(r.stdout) as { container: string; status: string; image: string; went_live: string | null }[];
  t.deepEqual(
    releases.map((x) => [x.container, x.status, x.image]),
    [
      [APP, 'live', images.v1],
      [`${APP}-${images.v2?.slice(0, 12)}`, 'kept', images.v2],
    ],
  );
  t.true(releases.every((x) => x.went_live !== null));
  const live = podman(['container', 'inspect', '-f', '{{.ConmonPidFile}}', APP]).trim();
  t.regex(fs.readFileSync(path.join(d.base, `host/etc/monit/conf.d/nuwa-${APP}`), 'utf8'), new RegExp(`pidfile "${live}"`));
  t.regex(monitStatus(`nuwa-${APP}`), /^ *monitoring status +Monitored/m);
  t.regex(fs.readFileSync(path.join(d.base, `host/etc/systemd/system/nuwa-${APP}.service`), 'utf8'), new RegExp(`start ${APP}\\b`));
  // v2 declared a new variable (label nuwa.env.GREETING): its deploy added it to nuwa.env, and it stays.
  t.regex(fs.readFileSync(path.join(d.appDir, 'nuwa.env'), 'utf8'), /^GREETING=hello$/m);
});

test.serial('a SECRET_ key reaches the container as a podman secret, never on its command line; bin/status never shows it', (t) => {
  t.timeout(10 * 60_000, 'a loaded machine runs podman slowly');
  t.is(podman(['exec', APP, '/bin/sh', '-c', 'echo "$SECRET_TOKEN"']).trim(), SECRET);
  const [inspected] = JSON.parse(podman(['container', 'inspect', APP])) as { Config: { CreateCommand: string[] } }[];
  const created = JSON.stringify(inspected?.Config.CreateCommand);
  t.false(created.includes(SECRET));
  t.regex(created, /"--secret","nuwa-nuwa-t15-web-SECRET_TOKEN-[0-9a-f]{12},type=env,target=SECRET_TOKEN"/);
  // (podman before 5.3, Debian 12's 4.3 among them, still lists env secrets' values in a started container's
  // .Config.Env: podman issue 23788, fixed by its PR 23959. Newer podman shows ******* there.)
  const status = d.sh('bin/status --json');
  t.is(status.code, 0, status.stderr);
  t.false(status.stdout.includes(SECRET));
  const s = JSON.parse(status.stdout) as {
    container: { state: string; image: string; health: string };
    kept_releases: string[];
    site: { enabled: boolean; domains: string[]; tls: string };
  };
  t.deepEqual(
    [s.container.state, s.container.image, s.container.health, s.kept_releases],
    ['running', images.v1, 'healthy', [`${APP}-${images.v2?.slice(0, 12)}`]],
  );
  t.deepEqual(s.site, { enabled: true, domains: [DOMAIN], tls: 'off', certificate_expires_in_days: null });
});

test.serial('bin/stop tells monit first (it leaves the container stopped); bin/start and bin/restart bring it back', async (t) => {
  t.timeout(10 * 60_000, 'a loaded machine runs podman slowly');
  const stop = d.sh('bin/stop');
  t.is(stop.code, 0, stop.stderr);
  t.is(podman(['container', 'inspect', '-f', '{{.State.Status}}', APP]).trim(), 'exited');
  t.regex(monitStatus(`nuwa-${APP}`), /^ *monitoring status +Not monitored/m);
  t.is(d.sh('bin/status').code, 1, 'not running: exit 1');
  // monit's cycle is 1 s: a few cycles later the container is still stopped.
  const until = Date.now() + 4000;
  await waitFor('four monit cycles', () => Date.now() > until, { timeoutMs: 10_000 });
  t.is(podman(['container', 'inspect', '-f', '{{.State.Status}}', APP]).trim(), 'exited', 'monit left it alone');
  const start = d.sh('bin/start');
  t.is(start.code, 0, start.stderr);
  t.regex(monitStatus(`nuwa-${APP}`), /^ *monitoring status +(Monitored|Initializing)/m);
  const first = podman(['container', 'inspect', '-f', '{{.State.StartedAt}}', APP]).trim();
  const restart = d.sh('bin/restart');
  t.is(restart.code, 0, restart.stderr);
  t.not(podman(['container', 'inspect', '-f', '{{.State.StartedAt}}', APP]).trim(), first);
  const body = await waitFor(
    'v1 to answer again',
    async () => {
      try {
        const r = await d.get('/');
        return r.status === 200 ? r.body : undefined; // (a 502 while the app boots again)
      } catch {
        return undefined;
      }
    },
    { timeoutMs: 60_000 },
  );
  t.is(body, 'version v1');
  const logs = d.sh('bin/logs -n 3');
  t.is(logs.code, 0, logs.stderr);
  t.is(
    logs.stdout + logs.stderr,
    spawnSync('podman', ['logs', '--tail', '3', APP], { env: d.env(), encoding: 'utf8' }).stdout +
      spawnSync('podman', ['logs', '--tail', '3', APP], { env: d.env(), encoding: 'utf8' }).stderr,
  );
  t.is(d.sh('bin/logs --bogus').code, 100);
});

test.serial('a deploy while another holds the lock is refused with its holder named, and changes nothing', (t) => {
  t.timeout(10 * 60_000, 'a loaded machine runs podman slowly');
  const lock = path.join(d.appDir, '.nuwa-deploy.lock');
  fs.mkdirSync(lock);
  fs.writeFileSync(path.join(lock, 'holder'), `bin/deploy by root (pid ${process.pid}), since 2026-01-01T00:00:00Z\n`);
  const before = d.state();
  try {
    const r = d.sh(`bin/deploy ${images.v2}`);
    t.is(r.code, 1);
    t.regex(
      r.stderr,
      /^bin\/deploy: another deploy or rollback of nuwa-t15-web is running \(bin\/deploy by root \(pid \d+\), since 2026-01-01T00:00:00Z\)/,
    );
    t.is(d.state(), before);
  } finally {
    fs.rmSync(lock, { recursive: true });
  }
  // A holder that is gone: the lock is named stale.
  fs.mkdirSync(lock);
  fs.writeFileSync(path.join(lock, 'holder'), 'bin/deploy by root (pid 999999999), since 2026-01-01T00:00:00Z\n');
  try {
    const r = d.sh(`bin/deploy ${images.v2}`);
    t.is(r.code, 1);
    t.regex(r.stderr, /that process is gone: a killed deploy left it; check bin\/status, then rm -r /);
  } finally {
    fs.rmSync(lock, { recursive: true });
  }
});

test.serial('bad input: an image that does not exist, an image without Setup: one line each, nothing changed', (t) => {
  t.timeout(10 * 60_000, 'a loaded machine runs podman slowly');
  const before = d.state();
  const missing = d.sh('bin/deploy localhost/nuwa-t15-no-such-image:v9');
  t.is(missing.code, 1);
  t.is(
    missing.stderr.trim(),
    "bin/deploy: no image 'localhost/nuwa-t15-no-such-image:v9' on this host (podman images lists them); nothing changed",
  );
  const plain = d.sh('bin/deploy localhost/nuwa-t15-base:latest');
  t.is(plain.code, 1);
  t.regex(plain.stderr.trim(), /^bin\/deploy: image 'localhost\/nuwa-t15-base:latest' has no Setup label: it is not a nuwa app image/);
  const none = d.sh('bin/deploy', d.appDir, { BID: '' });
  t.is(none.code, 100);
  t.is(d.state(), before);
});

test.serial('--help and -h on every bin/ script and nuwa-host command answer with the usage and touch nothing', (t) => {
  t.timeout(10 * 60_000, 'a loaded machine runs podman slowly');
  const before = d.state();
  const scripts = fs.readdirSync(path.join(d.appDir, 'bin')).filter((f) => !f.startsWith('_') || f === '_predicate');
  t.true(scripts.includes('kill') && scripts.includes('deploy') && scripts.includes('rollback'));
  for (const script of scripts.filter((s) => !s.endsWith('.sh') && s !== '_migrate_unpacker')) {
    for (const flag of ['--help', '-h']) {
      const r = d.sh(`bin/${script} ${flag}`);
      t.is(r.code, 0, `bin/${script} ${flag}: ${r.stderr}`);
      t.regex(r.stdout, new RegExp(`bin/${script}`), `bin/${script} ${flag} prints its usage`);
    }
  }
  // nuwa-host runs the same scripts (one executable start each: the destructive ones are enough here).
  for (const script of ['kill', 'deploy', 'rollback', 'uninstall', 'stop']) {
    const host = d.sh(`${nuwaBinary()} nuwa-host ${script} ${d.appDir} --help`, d.base);
    t.is(host.code, 0, `nuwa-host ${script} DIR --help: ${host.stderr}`);
    t.regex(host.stdout, new RegExp(`bin/${script}`));
    const bare = d.sh(`${nuwaBinary()} nuwa-host ${script} -h`, d.base);
    t.is(bare.code, 0, bare.stderr);
  }
  for (const command of ['init', 'build', 'setup']) t.is(d.sh(`${nuwaBinary()} nuwa-host ${command} --help`, d.base).code, 0);
  t.is(d.state(), before);
  const typo = d.sh('bin/kill --hepl');
  t.is(typo.code, 100);
  t.is(typo.stderr.trim(), "bin/kill: takes no arguments, got '--hepl' (bin/kill --help shows the usage)");
  t.is(d.state(), before);
});

test.serial('a second folder of the same name is its own app: Setup names it apart; a forced clash touches nothing', async (t) => {
  t.timeout(10 * 60_000, 'a loaded machine runs podman slowly');
  const other = path.join(d.base, 'elsewhere', APP);
  fs.mkdirSync(other, { recursive: true });
  const setup = d.sh(`export BID=${images.v1}\n${RUN_SETUP}`, other, { NUWA_PORT: '18568' });
  t.is(setup.code, 0, setup.stderr);
  t.regex(setup.stderr, new RegExp(`container ${APP} belongs to another app folder, so this app is named ${APP}-2 \\(NUWA_NAME\\)`));
  t.regex(fs.readFileSync(path.join(other, 'nuwa.env'), 'utf8'), new RegExp(`^NUWA_NAME=${APP}-2$`, 'm'));
  // Forced to the same name: every script refuses, and the first app is untouched.
  const env = fs.readFileSync(path.join(other, 'nuwa.env'), 'utf8').replace(/^NUWA_NAME=.*$/m, `NUWA_NAME=${APP}`);
  fs.writeFileSync(path.join(other, 'nuwa.env'), `${env}NUWA_DOMAIN=${DOMAIN}\n`);
  const before = d.state();
  for (const script of ['status', 'kill', 'uninstall', 'deploy', 'rollback', 'shell']) {
    const r = d.sh(`bin/${script}${script === 'deploy' ? ` ${images.v2}` : ''}`, other);
    t.is(r.code, 1, `bin/${script}: ${r.stderr}`);
    t.is(
      r.stderr.trim(),
      `bin/${script}: container ${APP} belongs to ${d.appDir}, not to ${other}: nothing done; ` +
        'give this app another name (NUWA_NAME=... in nuwa.env)',
    );
  }
  t.is(d.state(), before);
  t.deepEqual(await d.get('/'), { status: 200, body: 'version v1' });
});
