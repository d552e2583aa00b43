/**
 * The edges of an app's life on a host, against the real things on loopback (nginx, Podman, nuwa as /init): installed
 * by piping the image's Setup label to sh; deploys refused without harm (nginx down, a health URL that never answers,
 * no free port); a new image that serves another port; a changed secret; then the app taken down with a broken
 * nuwa.env, podman secrets and kept releases included. One app, one story: the tests run one after another and share
 * its images.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, podman } from '../helpers';
import { DeployedApp } from './fixtures/deployed-app';
import { startNginx } from './fixtures/nginx';
import { releaseImage } from './fixtures/release-images';

const PREFIX = 'nuwa-t15b';
const HTTP_PORT = 18620;
const APP_PORT = 18629;
const d = new DeployedApp({
  prefix: PREFIX,
  httpPort: HTTP_PORT,
  appPort: APP_PORT,
  portRange: '18630-18649',
  domain: 'web.t15b.example.test',
  // What the README promises beside the tutorial's line: the label is a shell script, sh runs it.
  setupLine: `podman image inspect --format '{{index .Config.Labels "Setup"}}' "$BID" | sh`,
  env: ['SECRET_TOKEN=t15b-hidden-value'],
});
const APP = d.app;
const images: Record<string, string> = {};

/** Runs `body` with `lines` appended to nuwa.env, and puts nuwa.env back afterwards. */
async function withSettings<T>(lines: string[], body: () => T | Promise<T>): Promise<T> {
  const file = path.join(d.appDir, 'nuwa.env');
  const saved = fs.readFileSync(file, 'utf8');
  fs.appendFileSync(file, `${lines.join('\n')}\n`);
  try {
    return await body();
  } finally {
    fs.writeFileSync(file, saved);
  }
}

test.before(async () => {
  nuwaBinary();
  images.v1 = releaseImage('v1', {}, PREFIX);
  images.hang = releaseImage('v2-hang', {}, PREFIX);
  images.port = releaseImage('v2-port', { 'nuwa.port': '8080' }, PREFIX);
  await d.install(images.v1);
});

test.after.always(async () => {
  await d.remove();
});

test.serial('installed by piping the Setup label to sh: bin/ holds every template script, and v1 is served', async (t) => {
  const templates = path.join(__dirname, '../../host-cli/templates/bin');
  t.deepEqual(fs.readdirSync(path.join(d.appDir, 'bin')).sort(), fs.readdirSync(templates).sort());
  t.is(fs.readFileSync(path.join(d.appDir, 'bin/kill'), 'utf8'), fs.readFileSync(path.join(templates, 'kill'), 'utf8'));
  t.regex(fs.readFileSync(path.join(d.appDir, 'nuwa.env'), 'utf8'), new RegExp(`^NUWA_IMAGE=${images.v1}$`, 'm'));
  t.deepEqual(await d.get('/'), { status: 200, body: 'version v1' });
  // nuwa-host setup runs the same label (through bash -c), into a folder of its own.
  const other = path.join(d.base, 'other', `${PREFIX}-setup`);
  const r = d.sh(`${nuwaBinary()} nuwa-host setup ${images.v1} ${other}`, d.base, { NUWA_PORT: '18628' });
  t.is(r.code, 0, r.stderr);
  t.deepEqual(fs.readdirSync(path.join(other, 'bin')).sort(), fs.readdirSync(templates).sort());
  t.regex(fs.readFileSync(path.join(other, 'nuwa.env'), 'utf8'), /^NUWA_PORT=18628$/m);
});

test.serial('a deploy while nginx is not running is refused in one line; nothing changes, v1 keeps serving', async (t) => {
  t.timeout(10 * 60_000, 'a loaded machine runs podman slowly');
  const before = d.state();
  await d.nginx.stop();
  try {
    const r = d.sh(`bin/deploy ${images.port}`);
    t.is(r.code, 1);
    t.is(
      r.stderr,
      `bin/deploy: nginx is not running, but the site ${d.nginx.sitesAvailable}/nuwa-${APP}.conf sends ${APP}'s visitors ` +
        'through it: start nginx first (nothing changed)\n',
    );
    t.is(d.state(), before);
    t.deepEqual(await d.get('/', APP_PORT), { status: 200, body: 'version v1' }, 'the container still answers on its port');
  } finally {
    d.nginx = await startNginx(path.join(d.base, 'nginx'), HTTP_PORT);
  }
  t.deepEqual(await d.get('/'), { status: 200, body: 'version v1' });
});

test.serial('a health URL that never answers: the deploy is refused at NUWA_DEPLOY_TIMEOUT, its container removed', async (t) => {
  t.timeout(10 * 60_000, 'a loaded machine runs podman slowly');
  await withSettings(['NUWA_DEPLOY_TIMEOUT=10'], async () => {
    const before = d.state();
    const r = d.sh(`bin/deploy ${images.hang}`);
    t.is(r.code, 1, r.stderr);
    t.regex(
      r.stderr,
      new RegExp(
        `^bin/deploy: ${APP}-next did not become healthy within 10s \\(NUWA_DEPLOY_TIMEOUT\\): http://127\\.0\\.0\\.1:186[34]\\d/healthz ` +
          `answered nothing \\(no connection, or no answer within 5 s\\); nothing switched, ${APP} keeps serving$`,
        'm',
      ),
    );
    t.is(d.sh(`podman container exists ${APP}-next`).code, 1, 'the new container is gone');
    t.is(d.state(), before);
    t.deepEqual(await d.get('/'), { status: 200, body: 'version v1' });
  });
});

test.serial('no free loopback port for the new container: one line, nothing changed', async (t) => {
  t.timeout(10 * 60_000, 'a loaded machine runs podman slowly');
  // The range holds one port, the one the live container publishes.
  await withSettings([`NUWA_PORT_RANGE=${APP_PORT}-${APP_PORT}`], async () => {
    const before = d.state();
    const r = d.sh(`bin/deploy ${images.port}`);
    t.is(r.code, 1, r.stderr);
    t.regex(
      r.stderr,
      new RegExp(
        `^bin/deploy: no free port in ${APP_PORT}-${APP_PORT} on 127\\.0\\.0\\.1 \\(every one is listened on or published by ` +
          'a container\\): set NUWA_PORT_RANGE, or prune kept releases$',
        'm',
      ),
    );
    t.is(d.state(), before);
    t.deepEqual(await d.get('/'), { status: 200, body: 'version v1' });
  });
});

test.serial("an image that serves another port (label nuwa.port) deploys: the host port maps to the new one's", async (t) => {
  t.timeout(10 * 60_000, 'a loaded machine runs podman slowly');
  const r = d.sh(`bin/deploy ${images.port}`);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(await d.get('/'), { status: 200, body: 'version v2-port' });
  t.regex(podman(['port', APP]), /^8080\/tcp -> 127\.0\.0\.1:186[34]\d$/m);
  t.is(podman(['container', 'inspect', '-f', '{{.State.Status}}', `${APP}-${images.v1?.slice(0, 12)}`]).trim(), 'exited', 'v1 kept');
});

test.serial('a changed secret: the deploy gets a new podman secret, and the old one goes with the last release that used it', (t) => {
  t.timeout(10 * 60_000, 'a loaded machine runs podman slowly');
  const secrets = () =>
    podman(['secret', 'ls', '--format', '{{.Name}}'])
      .split('\n')
      .filter((n) => n.startsWith(`nuwa-${APP}-`));
  const old = secrets();
  t.is(old.length, 1, old.join(' '));
  const env = path.join(d.appDir, 'nuwa.env');
  const text = fs.readFileSync(env, 'utf8');
  fs.writeFileSync(env, `${text.replace(/^SECRET_TOKEN=.*$/m, 'SECRET_TOKEN=t15b-new-value')}NUWA_KEEP_RELEASES=0\n`);
  try {
    const r = d.sh(`bin/deploy ${images.v1}`);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stderr, new RegExp(`^bin/deploy: \\[\\d+s\\] removed the secret ${old[0]}: no release uses it$`, 'm'));
  } finally {
    fs.writeFileSync(env, fs.readFileSync(env, 'utf8').replace(/^NUWA_KEEP_RELEASES=0\n/m, ''));
  }
  t.is(podman(['exec', APP, '/bin/sh', '-c', 'echo "$SECRET_TOKEN"']).trim(), 't15b-new-value');
  const now = secrets();
  t.is(now.length, 1, now.join(' '));
  t.not(now[0], old[0]);
});

test.serial('NUWA_PORT=abc: bin/run refuses in one line; bin/stop, bin/uninstall and bin/kill warn and take the app down', (t) => {
  t.timeout(10 * 60_000, 'a loaded machine runs podman slowly');
  const dir = fs.realpathSync(d.appDir);
  // Secrets of other apps, which bin/kill must leave: app NAME-2's (made before secrets had a label), and one of an
  // app of the same name in another folder.
  const theirs = [`nuwa-${APP}-2-SECRET_TOKEN-0123456789ab`, `nuwa-${APP}-SECRET_TOKEN-ba9876543210`];
  // (podman secret create - wants a pipe on stdin: Node gives a child a socket)
  t.is(d.sh(`printf theirs | podman secret create ${theirs[0]} -`).code, 0);
  t.is(d.sh(`printf theirs | podman secret create --label nuwa.dir=/srv/elsewhere/${APP} ${theirs[1]} -`).code, 0);
  const secrets = () =>
    podman(['secret', 'ls', '--format', '{{.Name}}'])
      .split('\n')
      .filter((n) => n.startsWith(`nuwa-${APP}-`));
  const ours = secrets().filter((n) => !theirs.includes(n));
  t.true(ours.length > 0 && ours.every((n) => /^nuwa-nuwa-t15b-web-SECRET_TOKEN-[0-9a-f]{12}$/.test(n)), ours.join(' '));
  t.is(podman(['secret', 'inspect', '-f', '{{index .Spec.Labels "nuwa.dir"}}', ours[0] as string]).trim(), dir);

  const env = path.join(d.appDir, 'nuwa.env');
  fs.writeFileSync(env, fs.readFileSync(env, 'utf8').replace(/^NUWA_PORT=.*$/m, 'NUWA_PORT=abc'));
  const bad = `NUWA_PORT 'abc' in ${dir}/nuwa.env is not a port number (1-65535)`;
  for (const script of ['run', 'deploy', 'start']) {
    const r = d.sh(`bin/${script}${script === 'deploy' ? ` ${images.v1}` : ''}`);
    t.is(r.code, 1, script);
    t.is(r.stderr, `bin/${script}: ${bad}\n`);
  }
  const releases = path.join(d.appDir, '.nuwa-releases');
  t.true(fs.existsSync(releases), 'bin/run and bin/deploy recorded when each release went live');
  for (const script of ['stop', 'uninstall', 'kill']) {
    const r = d.sh(`bin/${script}`);
    t.is(r.code, 0, `bin/${script}: ${r.stderr}`);
    const lines = r.stderr.split('\n');
    t.is(lines[0], `bin/${script}: warning: ${bad}; ignored: bin/${script} does not need it`);
    t.is(lines.filter((l) => l.includes('abc')).length, 1, r.stderr);
  }
  t.is(podman(['ps', '-a', '--filter', `label=nuwa.dir=${dir}`, '--format', '{{.Names}}']).trim(), '', 'live and kept: gone');
  t.false(fs.existsSync(path.join(d.nginx.sitesAvailable, `nuwa-${APP}.conf`)));
  t.false(fs.existsSync(path.join(d.base, `host/etc/systemd/system/nuwa-${APP}.service`)));
  t.false(fs.existsSync(path.join(d.base, `host/etc/monit/conf.d/nuwa-${APP}`)));
  t.deepEqual(secrets().sort(), [...theirs].sort(), "this app's secrets are gone, the others' stay");
  t.false(fs.existsSync(releases), 'the record of the removed releases goes with them');
  // A folder that bin/kill left with its record before it removed that too: cleaned, not refused as 'nothing to kill'.
  fs.writeFileSync(releases, '2020-01-01T00:00:00Z 0123456789ab 0123456789ab\n');
  const stale = d.sh('bin/kill');
  t.is(stale.code, 0, stale.stderr);
  t.regex(stale.stderr, new RegExp(`^bin/kill: there is no container ${APP}; removing what it left$`, 'm'));
  t.regex(stale.stderr, /, the release record \.nuwa-releases/);
  t.false(fs.existsSync(releases));
  t.true(fs.existsSync(path.join(d.appDir, 'volumes/srv/data/seed')), 'volumes/ stays');
});
