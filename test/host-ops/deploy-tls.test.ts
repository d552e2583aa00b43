/**
 * bin/deploy and bin/rollback behind an HTTPS site, against the real things on loopback: pebble (a real ACME CA)
 * issues one certificate for the app's two names, a real nginx master serves it, a client asks over HTTPS every 20 ms
 * while releases change: not one request may fail, and every answer comes with the same certificate. Then the same
 * app with NUWA_TLS=files: a key others can read is refused in one line; a private one is served; back to acme,
 * then NUWA_TLS=off, each switch leaving a renewal job only where a certificate is renewed. It reuses the
 * release images of deploy.test.ts (prefix nuwa-t15); its own containers, folders and ports are nuwa-t15c's.
 * One app, one story: the tests run one after another.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, requireCommand, waitFor } from '../helpers';
import { DEPLOY_PEBBLE_PORTS, startPebble, type Pebble } from './fixtures/acme';
import { DeployedApp } from './fixtures/deployed-app';
import { releaseImage } from './fixtures/release-images';
import { assertServed, client } from './fixtures/request-client';
import { scratchDir } from './fixtures/scratch';
import { acmeHost } from './fixtures/tls-host';

const HTTP_PORT = 18700;
const HTTPS_PORT = 18743;
const NAMES = ['web.t15c.example.test', 'www.t15c.example.test'];

let pebble: Pebble;
let ca = '';
const d = new DeployedApp({
  prefix: 'nuwa-t15c',
  httpPort: HTTP_PORT,
  appPort: 18709,
  portRange: '18710-18729',
  domain: NAMES.join(' '),
  setupLine: `podman image inspect --format '{{index .Config.Labels "Setup"}}' "$BID" | sh`,
  tls: ['NUWA_TLS=acme'],
  hostEnv: (base) => Object.entries(acmeHost(base, pebble, HTTPS_PORT)).map(([k, v]) => `${k}=${v}`),
  https: { port: HTTPS_PORT, ca: () => ca },
});
const APP = d.app;
const images: Record<string, string> = {};

/** The certificate a file holds, as the fingerprint a TLS client sees. */
function fingerprint(file: string): string {
  return new crypto.X509Certificate(fs.readFileSync(file)).fingerprint256;
}

function live(file: string): string {
  return path.join(d.base, 'letsencrypt/live', NAMES[0] as string, file);
}

function site(): string {
  return fs.readFileSync(path.join(d.nginx.sitesAvailable, `nuwa-${APP}.conf`), 'utf8');
}

test.before(async () => {
  for (const c of ['certbot', 'openssl']) requireCommand(c);
  nuwaBinary();
  // The images deploy.test.ts builds, with the same labels: podman's cache makes a second build of them a lookup.
  images.v1 = releaseImage('v1');
  images.v2 = releaseImage('v2', { 'nuwa.env.GREETING': 'hello' });
  pebble = await startPebble(scratchDir('nuwa-t15c-pebble-'), HTTP_PORT, DEPLOY_PEBBLE_PORTS);
  ca = pebble.rootCa;
  await d.install(images.v1 as string);
});

test.after.always(async () => {
  await d.remove();
  await pebble?.stop();
});

test.serial('two names in NUWA_DOMAIN: server_name lists both, and pebble issued one certificate with each name', async (t) => {
  for (const line of site()
    .split('\n')
    .filter((l) => l.includes('server_name')))
    t.is(line.trim(), `server_name ${NAMES.join(' ')};`);
  const cert = new crypto.X509Certificate(fs.readFileSync(live('cert.pem')));
  t.regex(cert.issuer, /Pebble Intermediate CA/);
  t.deepEqual(cert.subjectAltName?.split(', ').sort(), NAMES.map((n) => `DNS:${n}`).sort());
  for (const name of NAMES) {
    const r = await d.get('/', undefined, name); // verified against pebble's root for this name
    t.deepEqual(r, { status: 200, body: 'version v1', certificate: cert.fingerprint256 }, name);
  }
});

test.serial('NUWA_TLS=acme: deploy v2, then rollback, with a client every 20 ms over HTTPS: zero failed, one certificate', async (t) => {
  t.timeout(10 * 60_000);
  const issued = fingerprint(live('cert.pem'));
  const c = client(async () => {
    const r = await d.get('/');
    if (r.status !== 200) return `FAILED: HTTP ${r.status} ${r.body.slice(0, 80)}`;
    return r.certificate === issued ? r.body : `${r.body} with another certificate ${r.certificate}`;
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, 300)); // a few requests before
    c.phase = 'deploy v2';
    const v2 = await d.shAsync(`bin/deploy ${images.v2}`);
    c.phase = 'after deploy v2';
    t.is(v2.code, 0, v2.stderr);
    t.deepEqual(await d.get('/'), { status: 200, body: 'version v2', certificate: issued });
    c.phase = 'rollback';
    const back = await d.shAsync('bin/rollback');
    c.phase = 'after rollback';
    t.is(back.code, 0, back.stderr);
    t.deepEqual(await d.get('/'), { status: 200, body: 'version v1', certificate: issued });
    await new Promise((resolve) => setTimeout(resolve, 300));
  } finally {
    const seen = await c.stop();
    assertServed(t, seen, ['before', 'deploy v2', 'rollback', 'after rollback'], {
      before: ['version v1'],
      'deploy v2': ['version v1', 'version v2'],
      'after deploy v2': ['version v2'],
      rollback: ['version v2', 'version v1'],
      'after rollback': ['version v1'],
    });
  }
  t.is(fingerprint(live('cert.pem')), issued, 'the certificate on disk is the one issued at install');
  t.regex(site(), /ssl_certificate .*\/live\/web\.t15c\.example\.test\/fullchain\.pem;/);
});

test.serial('NUWA_TLS=files: a key others can read is refused in one line; a private one is served, and kept by a deploy', async (t) => {
  t.timeout(10 * 60_000);
  const dir = scratchDir('nuwa-t15c-tls-');
  const cert = path.join(dir, 'chain.pem');
  const key = path.join(dir, 'key.pem');
  const san = NAMES.map((n) => `DNS:${n}`).join(',');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2'].concat([
      '-subj',
      `/CN=${NAMES[0]}`,
      '-addext',
      `subjectAltName=${san}`,
    ]),
    { stdio: 'ignore' },
  );
  fs.chmodSync(key, 0o644);
  const env = path.join(d.appDir, 'nuwa.env');
  fs.writeFileSync(
    env,
    fs.readFileSync(env, 'utf8').replace(
      /^NUWA_TLS=acme$/m,
      [
        'NUWA_TLS=files',
        `NUWA_TLS_CERT=${cert}`,
        `NUWA_TLS_KEY=${key}`,
        `NUWA_CHECK_CA_BUNDLE=${cert}`, // bin/install's own check trusts this certificate, as a client of a private CA would
      ].join('\n'),
    ),
  );
  const before = d.state();
  const issued = fingerprint(live('cert.pem'));

  const refused = d.sh('bin/install');
  t.is(refused.code, 1);
  t.is(refused.stderr, `bin/install: the private key ${key} is mode 644: anyone on this host can read it; chmod 600 ${key}\n`);
  t.is(d.state(), before);
  t.is((await d.get('/')).certificate, issued, 'nginx still serves the ACME certificate');

  fs.chmodSync(key, 0o600);
  const r = d.sh('bin/install');
  t.is(r.code, 0, r.stderr);
  t.regex(site(), new RegExp(`ssl_certificate ${cert};\\n *ssl_certificate_key ${key};`));
  t.false(fs.existsSync(path.join(d.base, 'cron.d', `nuwa-certbot-${APP}`)), 'no renewal job: the files are renewed by their owner');
  ca = cert;
  // Right after the reload, a worker of the old generation may still answer with the ACME certificate (which this CA
  // file does not verify): wait for the new one.
  await waitFor('nginx to serve the certificate of NUWA_TLS_CERT', async () => (await d.get('/')).certificate === fingerprint(cert));
  for (const name of NAMES)
    t.deepEqual(await d.get('/', undefined, name), { status: 200, body: 'version v1', certificate: fingerprint(cert) });

  const v2 = d.sh(`bin/deploy ${images.v2}`);
  t.is(v2.code, 0, v2.stderr);
  t.deepEqual(await d.get('/'), { status: 200, body: 'version v2', certificate: fingerprint(cert) });
});

test.serial('back to acme (the certificate kept, its renewal job back), then NUWA_TLS=off: a plain site, no renewal job', async (t) => {
  t.timeout(10 * 60_000);
  const env = path.join(d.appDir, 'nuwa.env');
  const cron = path.join(d.base, 'cron.d', `nuwa-certbot-${APP}`);
  // The mode, without the lines of NUWA_TLS=files (the check's CA file among them: pebble's root is host.env's).
  const mode = (m: string) =>
    fs.writeFileSync(
      env,
      fs
        .readFileSync(env, 'utf8')
        .replace(/^NUWA_(TLS_CERT|TLS_KEY|CHECK_CA_BUNDLE)=.*\n/gm, '')
        .replace(/^NUWA_TLS=.*$/m, `NUWA_TLS=${m}`),
    );
  const issued = fingerprint(live('cert.pem'));
  mode('acme');
  const acme = d.sh('bin/install');
  t.is(acme.code, 0, acme.stderr);
  t.true(fs.existsSync(cron));
  t.is(fingerprint(live('cert.pem')), issued, 'the valid certificate was kept');
  ca = pebble.rootCa;
  await waitFor('nginx to serve the ACME certificate again', async () => (await d.get('/')).certificate === issued);

  mode('off');
  const off = d.sh('bin/install');
  t.is(off.code, 0, off.stderr);
  t.false(fs.existsSync(cron), 'no renewal job for a certificate nobody serves');
  t.notRegex(site(), /ssl_certificate/);
  await waitFor('nginx to serve the plain site', async () => (await d.get('/', HTTP_PORT)).body === 'version v2');
});
