/**
 * bin/install and bin/uninstall against the real things on loopback: pebble (a real ACME CA) with its mock DNS,
 * certbot, a real nginx master, the app in a real Podman container started by bin/run, curl as the client.
 * One nginx and one pebble for the whole file, so the tests run one after another.
 */
import test from 'ava';
import * as crypto from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { nuwaBinary, podman, removeOnExit, requireCommand, waitFor } from '../helpers';
import { startPebble, type Pebble } from './fixtures/acme';
import { appImage, removeApp, STATIC_CSS } from './fixtures/app-container';
import { makeAppFolder, type AppFolder } from './fixtures/app-folder';
import { startNginx, type Nginx } from './fixtures/nginx';
import { tlsHost } from './fixtures/tls-host';
import { scratchDir } from './fixtures/scratch';

const HTTP_PORT = 18180;
const HTTPS_PORT = 18143;

let nginx: Nginx;
let pebble: Pebble;
let base: string;
let host: Record<string, string>;
let monit: ChildProcess | undefined;
const containers: string[] = [];

test.before(async () => {
  for (const c of ['nginx', 'certbot', 'curl', 'openssl', 'podman', 'monit']) requireCommand(c);
  requireCommand('ss', 'iproute2');
  base = scratchDir('nuwa-t8-tls-');
  fs.chmodSync(base, 0o755);
  nginx = await startNginx(path.join(base, 'nginx'), HTTP_PORT);
  pebble = await startPebble(path.join(base, 'pebble'), HTTP_PORT);
  appImage();
  host = tlsHost(base, nginx, pebble, HTTPS_PORT);
});

test.after.always(async () => {
  if (monit && monit.exitCode === null) monit.kill('SIGTERM');
  for (const name of containers) removeApp(name);
  await nginx?.stop();
  await pebble?.stop();
});

/** An app folder set up as the tutorial leaves it, its container started by the real bin/run. */
function deployedApp(name: string, port: number, app: Record<string, string> = {}, hostExtra: Record<string, string> = {}): AppFolder {
  const folder = makeAppFolder(
    name,
    { NUWA_IMAGE: appImage(), NUWA_PORT: String(port), APP_NAME: name, ...app },
    { ...host, ...hostExtra },
  );
  containers.push(name);
  const r = folder.run('run');
  if (r.status !== 0) throw new Error(`bin/run failed: ${r.stderr}`);
  return folder;
}

interface Fetched {
  status: number;
  body: string;
  location: string;
}

/** curl, as a user's client: the domain resolved to loopback, TLS verified against pebble's root only. */
function curl(url: string): Fetched {
  const { hostname, port } = new URL(url);
  const r = spawnSync(
    'curl',
    [
      '-sS',
      '--max-time',
      '10',
      '--resolve',
      `${hostname}:${port}:127.0.0.1`,
      '--cacert',
      pebble.rootCa,
      '-o',
      '-',
      '-w',
      '\n%{http_code} %{redirect_url}',
      url,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`curl ${url}: ${r.stderr.trim()}`);
  const cut = r.stdout.lastIndexOf('\n');
  const [status, location = ''] = r.stdout.slice(cut + 1).split(' ');
  return { status: Number(status), body: r.stdout.slice(0, cut), location };
}

/**
 * `curl`, after a reload: nginx's reload only signals its master, and a worker of the old generation can still take
 * a connection for a moment (serving the old sites and certificates), so this retries until the fetch succeeds.
 */
function served(url: string): Promise<Fetched> {
  return waitFor(`${url} to be served after nginx's reload`, () => {
    try {
      return curl(url);
    } catch {
      return undefined;
    }
  });
}

/** The certificate nginx serves for `domain`, verified (chain and name) against pebble's root. */
function servedCertificate(domain: string): Promise<tls.PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port: HTTPS_PORT, servername: domain, ca: fs.readFileSync(pebble.rootCa) }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      resolve(cert);
    });
    socket.on('error', reject);
  });
}

function siteFiles(name: string): string[] {
  return [path.join(nginx.sitesAvailable, `nuwa-${name}.conf`), path.join(nginx.sitesEnabled, `nuwa-${name}.conf`)].filter((f) => {
    try {
      fs.lstatSync(f); // a dangling link in sites-enabled counts too
      return true;
    } catch {
      return false;
    }
  });
}

function cronFile(name: string): string {
  return path.join(host.NUWA_CRON_DIR as string, `nuwa-certbot-${name}`);
}

function noKeyPrinted(t: { false(v: boolean, m?: string): void }, ...outputs: string[]): void {
  for (const out of outputs) t.false(/PRIVATE KEY/.test(out), 'a private key was printed');
}

const WEB = 'nuwa-t8-web';
const WEB_DOMAIN = 'web.nuwa-t8.test';
let web: AppFolder;

test.serial(
  'install: pebble issues the certificate, nginx serves the app over HTTPS, HTTP redirects, static files come from nginx',
  async (t) => {
    web = deployedApp(WEB, 18131, { NUWA_DOMAIN: WEB_DOMAIN });
    const r = web.run('install');
    t.is(r.status, 0, r.stderr);
    noKeyPrinted(t, r.stdout, r.stderr);
    t.regex(
      r.stderr,
      new RegExp(`installed: https://${WEB_DOMAIN.replace(/\./g, '\\.')}:${HTTPS_PORT}/healthz answers \\(HTTP 200\\) through nginx`),
    );

    const page = await served(`https://${WEB_DOMAIN}:${HTTPS_PORT}/hello?x=1`);
    t.is(page.status, 200);
    t.is(page.body, `hello from ${WEB} GET /hello?x=1 proto=https host=${WEB_DOMAIN}\n`, 'proxied to the container with the proxy headers');

    const cert = await servedCertificate(WEB_DOMAIN);
    t.regex(cert.issuer.CN as string, /^Pebble Intermediate CA/);
    t.true(cert.subjectaltname?.includes(`DNS:${WEB_DOMAIN}`));

    const http = await served(`http://${WEB_DOMAIN}:${HTTP_PORT}/some/page?q=2`);
    t.is(http.status, 301);
    t.is(http.location, `https://${WEB_DOMAIN}:${HTTPS_PORT}/some/page?q=2`);

    const css = await served(`https://${WEB_DOMAIN}:${HTTPS_PORT}/static/css/site.css`);
    t.is(css.status, 200);
    t.is(css.body, STATIC_CSS, 'nginx serves the static volume itself (the app would answer "hello from")');

    const key = fs.realpathSync(path.join(host.NUWA_CERTBOT_CONFIG_DIR as string, 'live', WEB_DOMAIN, 'privkey.pem'));
    t.is(fs.statSync(key).mode & 0o777, 0o600);
  },
);

test.serial(
  'the renewal job is registered with cron, and its own command with --force-renewal gets a new certificate nginx then serves',
  async (t) => {
    const file = cronFile(WEB);
    t.is(fs.statSync(file).mode & 0o777, 0o644, 'cron ignores group- or world-writable files');
    const lines = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    const job = lines.find((l) => /^\d+ 3,15 \* \* \* root /.test(l));
    t.truthy(job, lines.join('\n'));
    t.regex(
      job as string,
      new RegExp(`certbot renew -q --cert-name ${WEB_DOMAIN.replace(/\./g, '\\.')} .*--deploy-hook '.*nginx -c .* -s reload'`),
    );
    const envLines = Object.fromEntries(
      lines.filter((l) => /^[A-Z]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    t.is(envLines.SHELL, '/bin/sh');

    const before = await servedCertificate(WEB_DOMAIN);
    // Exactly what cron would run (its environment lines, its shell), forced because the certificate is not due yet.
    const command = (job as string).split(/\s+/).slice(6).join(' ');
    const r = spawnSync('/bin/sh', ['-c', `${command} --force-renewal --no-random-sleep-on-renew`], {
      encoding: 'utf8',
      env: { PATH: envLines.PATH, SHELL: '/bin/sh' },
    });
    t.is(r.status, 0, r.stderr + r.stdout);
    noKeyPrinted(t, r.stdout, r.stderr);
    const after = await waitFor('nginx to serve the renewed certificate', async () => {
      const cert = await servedCertificate(WEB_DOMAIN);
      return cert.fingerprint256 !== before.fingerprint256 ? cert : undefined;
    });
    t.not(after.serialNumber, before.serialNumber);
    t.regex(after.issuer.CN as string, /^Pebble Intermediate CA/);
    const key = fs.realpathSync(path.join(host.NUWA_CERTBOT_CONFIG_DIR as string, 'live', WEB_DOMAIN, 'privkey.pem'));
    t.is(fs.statSync(key).mode & 0o777, 0o600);
  },
);

test.serial('install again while installed: the valid certificate is kept and the site keeps answering', async (t) => {
  // The certificate on disk is the reference: right after a reload, an old nginx worker may still answer with the
  // certificate before the renewal, so wait until nginx serves the one on disk before and after.
  const onDisk = () =>
    new crypto.X509Certificate(fs.readFileSync(path.join(host.NUWA_CERTBOT_CONFIG_DIR as string, 'live', WEB_DOMAIN, 'cert.pem')))
      .fingerprint256;
  const servesOnDisk = async () => (await servedCertificate(WEB_DOMAIN)).fingerprint256 === onDisk();
  await waitFor('nginx to serve the certificate on disk', servesOnDisk);
  const before = onDisk();
  const r = web.run('install');
  t.is(r.status, 0, r.stderr);
  t.notRegex(r.stderr, /enabling the port-18180 site/, 'no HTTP-only phase once a certificate exists');
  t.is(onDisk(), before, 'the certificate was not replaced');
  await waitFor('nginx to serve the kept certificate', servesOnDisk);
  t.is((await served(`https://${WEB_DOMAIN}:${HTTPS_PORT}/`)).status, 200);
});

test.serial(
  'uninstall takes the site off nginx, drops the renewal job and stops the container, keeping certificate and data; install works again',
  async (t) => {
    const r = web.run('uninstall');
    t.is(r.status, 0, r.stderr);
    t.deepEqual(siteFiles(WEB), []);
    t.false(fs.existsSync(cronFile(WEB)));
    t.is(podman(['container', 'inspect', '-f', '{{.State.Status}}', WEB]).trim(), 'exited');
    t.true(fs.existsSync(path.join(host.NUWA_CERTBOT_CONFIG_DIR as string, 'live', WEB_DOMAIN, 'fullchain.pem')), 'certificate kept');
    t.true(fs.existsSync(path.join(web.dir, 'volumes/srv/static/css/site.css')), 'data kept');
    await waitFor('nginx to stop answering for the domain', () => {
      const http = curl(`http://${WEB_DOMAIN}:${HTTP_PORT}/`);
      return http.status === 404 && http.body === 'default\n';
    });
    await waitFor('nothing to serve HTTPS for the domain any more', () => {
      try {
        curl(`https://${WEB_DOMAIN}:${HTTPS_PORT}/`);
        return false;
      } catch (err) {
        return /curl/.test((err as Error).message);
      }
    });

    const again = web.run('install');
    t.is(again.status, 0, again.stderr);
    t.regex(again.stderr, /starting container nuwa-t8-web \(it was exited\)/);
    t.is((await served(`https://${WEB_DOMAIN}:${HTTPS_PORT}/`)).status, 200);
    t.true(fs.existsSync(cronFile(WEB)));
  },
);

test.serial('ACME failure (the domain points elsewhere): says so, and leaves no site enabled and no renewal job', async (t) => {
  const domain = 'elsewhere.nuwa-t8.test';
  await pebble.pointDns(domain, '127.0.0.2'); // nginx listens on 127.0.0.1 only: validation cannot reach it
  const app = deployedApp('nuwa-t8-elsewhere', 18132, { NUWA_DOMAIN: domain });
  const r = app.run('install');
  t.is(r.status, 1);
  t.regex(r.stderr, /ACME failed: no certificate for elsewhere\.nuwa-t8\.test/);
  t.regex(r.stderr, /failed; undoing the steps already done/);
  noKeyPrinted(t, r.stdout, r.stderr);
  t.deepEqual(siteFiles('nuwa-t8-elsewhere'), []);
  t.false(fs.existsSync(cronFile('nuwa-t8-elsewhere')));
  await waitFor('nginx to drop the challenge site again', () => curl(`http://${domain}:${HTTP_PORT}/`).body === 'default\n');
  t.is(curl(`https://${WEB_DOMAIN}:${HTTPS_PORT}/`).status, 200, 'the other app is untouched');
});

test.serial("nginx -t failing: the message names the step, nginx's own error is shown, and the site is taken out again", (t) => {
  const broken = path.join(nginx.sitesEnabled, 'zz-someone-elses.conf');
  fs.writeFileSync(broken, 'server { listen 127.0.0.1:18180; server_name other.test; bogus_directive on; }\n');
  t.teardown(() => fs.rmSync(broken, { force: true }));
  const app = deployedApp('nuwa-t8-ngxfail', 18133, { NUWA_DOMAIN: 'ngxfail.nuwa-t8.test' });
  const r = app.run('install');
  t.is(r.status, 1);
  t.regex(r.stderr, /unknown directive "bogus_directive"/);
  t.regex(r.stderr, /nginx's configuration test \(nginx -t\) failed with the site of nuwa-t8-ngxfail enabled/);
  t.deepEqual(siteFiles('nuwa-t8-ngxfail'), []);
  t.true(fs.existsSync(broken), "someone else's file is left alone");
  t.is(curl(`https://${WEB_DOMAIN}:${HTTPS_PORT}/`).status, 200, 'nginx keeps serving its running configuration');
});

test.serial('the app not answering through nginx fails the install and rolls it back (the certificate stays for the next try)', (t) => {
  const domain = 'broken-app.nuwa-t8.test';
  const app = deployedApp('nuwa-t8-500', 18134, { NUWA_DOMAIN: domain, NUWA_CHECK_PATH: '/status/500', NUWA_START_TIMEOUT: '3' });
  const r = app.run('install');
  t.is(r.status, 1);
  t.regex(r.stderr, /the site does not answer through nginx: https:\/\/broken-app\.nuwa-t8\.test:18143\/status\/500 gave HTTP 500/);
  t.deepEqual(siteFiles('nuwa-t8-500'), []);
  t.false(fs.existsSync(cronFile('nuwa-t8-500')));
  t.true(fs.existsSync(path.join(host.NUWA_CERTBOT_CONFIG_DIR as string, 'live', domain, 'fullchain.pem')));
});

test.serial(
  'one folder for available and enabled sites (a conf.d layout, as on Rocky Linux): the site is a plain file there',
  async (t) => {
    const app = deployedApp(
      'nuwa-t8-confd',
      18140,
      { NUWA_DOMAIN: 'confd.nuwa-t8.test' },
      { NUWA_NGINX_SITES_AVAILABLE: nginx.sitesEnabled },
    );
    const r = app.run('install');
    t.is(r.status, 0, r.stderr);
    const site = path.join(nginx.sitesEnabled, 'nuwa-nuwa-t8-confd.conf');
    t.true(fs.lstatSync(site).isFile());
    t.false(fs.existsSync(path.join(nginx.sitesAvailable, 'nuwa-nuwa-t8-confd.conf')));
    t.is((await served(`https://confd.nuwa-t8.test:${HTTPS_PORT}/`)).status, 200);
    const off = app.run('uninstall');
    t.is(off.status, 0, off.stderr);
    t.false(fs.existsSync(site));
  },
);

test.serial(
  'refused before anything changes: no domain, a hostile domain, a domain another app serves, a taken port, ' +
    'nginx not running, a full disk, the wrong folder',
  async (t) => {
    const snapshot = () =>
      [
        ...fs.readdirSync(nginx.sitesAvailable),
        ...fs.readdirSync(nginx.sitesEnabled),
        ...fs.readdirSync(host.NUWA_CRON_DIR as string),
      ].sort();
    const before = snapshot();

    const noDomain = makeAppFolder('nuwa-t8-nodomain', { NUWA_PORT: '18135' }, host);
    let r = noDomain.run('install');
    t.is(r.status, 1);
    t.regex(r.stderr, /no domain configured: add NUWA_DOMAIN=www\.example\.com to .*nuwa\.env/);

    removeOnExit('/tmp/nuwa-t8-pwned'); // only there if the check below fails
    const hostile = makeAppFolder('nuwa-t8-hostile', { NUWA_PORT: '18136', NUWA_DOMAIN: 'x.test;touch /tmp/nuwa-t8-pwned' }, host);
    r = hostile.run('install');
    t.is(r.status, 1);
    t.regex(r.stderr, /NUWA_DOMAIN 'x\.test;touch \/tmp\/nuwa-t8-pwned' is not a domain name/);
    t.false(fs.existsSync('/tmp/nuwa-t8-pwned'));
    const hostilePath = makeAppFolder(
      'nuwa-t8-hostile2',
      { NUWA_PORT: '18136', NUWA_DOMAIN: 'ok.nuwa-t8.test' },
      { ...host, NUWA_CERTBOT_CONFIG_DIR: '/etc/le $(touch /tmp/nuwa-t8-pwned)' },
    );
    r = hostilePath.run('install');
    t.is(r.status, 1);
    t.regex(r.stderr, /NUWA_CERTBOT_CONFIG_DIR '\/etc\/le \$\(touch \/tmp\/nuwa-t8-pwned\)' is not allowed/);
    t.false(fs.existsSync('/tmp/nuwa-t8-pwned'));

    const squatter = net.createServer().listen(18144, '127.0.0.1');
    await new Promise((resolve) => squatter.once('listening', resolve));
    try {
      const taken = makeAppFolder(
        'nuwa-t8-taken',
        { NUWA_PORT: '18137', NUWA_DOMAIN: 'taken.nuwa-t8.test' },
        { ...host, NUWA_HTTPS_PORT: '18144' },
      );
      r = taken.run('install');
      t.is(r.status, 1);
      t.regex(r.stderr, /port 18144 is taken by (node|MainThread), not nginx/); // ss shows the thread's name: MainThread from Node 22 on
    } finally {
      squatter.close();
    }

    const down = makeAppFolder(
      'nuwa-t8-down',
      { NUWA_PORT: '18138', NUWA_DOMAIN: 'down.nuwa-t8.test' },
      { ...host, NUWA_NGINX_PID: path.join(base, 'no-such.pid') },
    );
    r = down.run('install');
    t.is(r.status, 1);
    t.regex(r.stderr, /nginx is not running .*systemctl start nginx/);

    const twin = makeAppFolder('nuwa-t8-twin', { NUWA_PORT: '18142', NUWA_DOMAIN: WEB_DOMAIN }, host);
    r = twin.run('install');
    t.is(r.status, 1);
    t.regex(
      r.stderr,
      new RegExp(`${WEB_DOMAIN.replace(/\./g, '\\.')} is already served by .*nuwa-${WEB}\\.conf: one domain belongs to one app`),
    );

    // A full disk (a 512 KiB tmpfs on the cron folder, private to the command): refused before the first write.
    const tiny = scratchDir('nuwa-t8-tinycron-');
    const full = makeAppFolder(
      'nuwa-t8-diskfull',
      { NUWA_PORT: '18141', NUWA_DOMAIN: 'full.nuwa-t8.test' },
      { ...host, NUWA_CRON_DIR: tiny },
    );
    r = full.run('install', [], {
      prefix: ['unshare', '-m', 'sh', '-c', 'mount -t tmpfs -o size=512k nuwa-t8-tiny "$0" && exec "$@"', tiny],
    });
    t.is(r.status, 1);
    t.regex(r.stderr, new RegExp(`not enough disk space in ${tiny} \\(\\d+ bytes free`));

    r = web.run('install', [], { cwd: path.join(web.dir, 'bin'), invokeAs: './install' });
    t.is(r.status, 1);
    t.regex(r.stderr, /run me from the app folder/);

    t.deepEqual(snapshot(), before, 'no site and no cron job was written');
  },
);

test.serial('nuwa-host install|uninstall DIR run the same scripts', async (t) => {
  const nuwa = nuwaBinary();
  const env = { ...process.env, NUWA_HOST_CONF: web.hostConf };
  const off = spawnSync(nuwa, ['nuwa-host', 'uninstall', web.dir], { encoding: 'utf8', env });
  t.is(off.status, 0, `${off.signal ?? ''} ${off.stderr}`);
  t.deepEqual(siteFiles(WEB), []);
  const on = spawnSync(nuwa, ['nuwa-host', 'install', web.dir], { encoding: 'utf8', env });
  t.is(on.status, 0, `${on.signal ?? ''} ${on.stderr}`);
  t.is((await served(`https://${WEB_DOMAIN}:${HTTPS_PORT}/`)).status, 200);
});

test.serial(
  'with monit watching, uninstall makes it stop watching before the stop (it does not start the container again); ' +
    'install makes it watch again',
  async (t) => {
    const monitrc = host.NUWA_MONITRC as string;
    // A check that runs every cycle: its "data collected" time shows monit cycles passing.
    fs.writeFileSync(
      path.join(host.NUWA_MONIT_DIR as string, 'nuwa-t8-tick'),
      'check program nuwa-t8-tick with path /bin/true\n  if status != 0 then alert\n',
    );
    monit = spawn('monit', ['-I', '-c', monitrc], { stdio: 'ignore' });
    const status = (check: string) => spawnSync('monit', ['-c', monitrc, 'status', check], { encoding: 'utf8' }).stdout;
    const check = `nuwa-${WEB}`;
    await waitFor(
      'monit to watch the app',
      () => /^ *monitoring status +Monitored/m.test(status(check)) && /^ *status +OK/m.test(status(check)),
      { timeoutMs: 60_000 },
    );

    const r = web.run('uninstall');
    t.is(r.status, 0, r.stderr);
    t.regex(status(check), /^ *monitoring status +Not monitored/m);
    const cycles = new Set<string>();
    await waitFor(
      'three more monit cycles',
      () => {
        cycles.add(/data collected +(.*)/.exec(status('nuwa-t8-tick'))?.[1] ?? '');
        return cycles.size >= 4;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    t.is(podman(['container', 'inspect', '-f', '{{.State.Status}}', WEB]).trim(), 'exited', 'monit left the stopped container alone');

    const again = web.run('install');
    t.is(again.status, 0, again.stderr);
    t.regex(status(check), /^ *monitoring status +Monitored/m);
    t.is((await served(`https://${WEB_DOMAIN}:${HTTPS_PORT}/`)).status, 200);
  },
);
