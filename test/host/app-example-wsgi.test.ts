/**
 * The example app's second server, against real podman: `nuwa-host build --target wsgi layers/app-example` builds
 * the real layer chain (cached when image-path.test.ts built it with the same nuwa) and the `wsgi` stage, where
 * Apache + mod_wsgi serves the same Django app as an s6-rc longrun. It serves the page; `s6-svc -1` reloads it
 * gracefully while clients on loopback make requests (some held half-sent across each reload), and none is dropped;
 * `podman stop` stops it gracefully within the grace time, answering a request in flight, and the container exits 0.
 * In tini mode (`/init --plain`, Apache as CMD) nuwa forwards SIGWINCH as tini does, and Apache takes it as its
 * graceful-stop signal: the container ends. The README's tutorial steps work with this image too.
 */
import test from 'ava';
import { execFile, spawnSync } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, podman, podmanEnv, requireCommand, waitFor } from '../helpers';
import { bash, cleanup, nuwaHost, sandboxHost, scratchDir } from './host-helpers';

const APP_DIR = path.join(ROOT, 'layers/app-example');
const IMAGE = 'localhost/app-example-wsgi:latest';
const PORT = 18261;
/** bin/run's port for the tutorial test. */
const TUTORIAL_PORT = 18263;
/** The README's tutorial line. */
const RUN_SETUP_LINE = `bash -c "\`podman inspect -f '{{json .Config.Labels}}' $BID | jq -r '.["Setup"]'\`"`;
const PREFIX = 'nuwa-wsgi-';
const SERVICE = '/run/service/apache';
const CLIENTS = 4;
const RELOADS = 3;

let bid = '';

function containerName(what: string): string {
  const name = `${PREFIX}${what}-${process.pid}`;
  spawnSync('podman', ['rm', '-f', '-t', '0', name], { env: podmanEnv() });
  return name;
}

function logs(name: string): string {
  const r = spawnSync('podman', ['logs', name], { env: podmanEnv(), encoding: 'utf8' });
  return r.stdout + r.stderr;
}

/** `podman logs` without blocking the event loop, so the test's HTTP clients go on while it runs. */
async function logsAsync(name: string): Promise<string> {
  const r = await promisify(execFile)('podman', ['logs', name], { env: podmanEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return r.stdout + r.stderr;
}

const count = (text: string, what: RegExp) => (text.match(new RegExp(what.source, 'g')) ?? []).length;

/** One GET on a connection of its own (no keep-alive to hide a refused or reset connection). */
function get(urlPath: string, port = PORT): Promise<{ status: number; body: string; server: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false, timeout: 20_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, server: String(res.headers.server) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer in 20 s')));
    req.on('error', reject);
  });
}

/**
 * A request in flight across a reload: its connection is open and its headers are half sent when the reload comes;
 * `finish()` sends the rest and resolves to the status line (or the error the connection ended with).
 */
async function requestInFlight(): Promise<{ finish: () => Promise<string> }> {
  const socket = net.connect(PORT, '127.0.0.1');
  let answer = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (answer += d));
  const ended = new Promise<string>((resolve) => {
    socket.on('error', (err) => resolve(`connection error: ${err.message}`));
    socket.on('close', () => resolve(answer.split('\r\n')[0] || 'connection closed without an answer'));
  });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  return {
    finish: () => {
      socket.end('Connection: close\r\n\r\n');
      return ended;
    },
  };
}

/** `podman top` as [pid, ppid, user, args]. */
function processes(name: string): string[][] {
  return podman(['top', name, 'pid', 'ppid', 'user', 'args'])
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/));
}

/** Apache's workers: the children of its parent process (the supervised one), as [pid, user]. */
function workers(name: string, parent: string): string[][] {
  return processes(name)
    .filter((p) => p[1] === parent)
    .map((p) => [p[0] as string, p[2] as string])
    .sort();
}

test.before(() => {
  for (const command of ['podman', 'debootstrap', 'jq', 'monit']) requireCommand(command);
});

test.after.always(() => {
  const names = spawnSync('podman', ['ps', '-a', '--filter', `name=^${PREFIX}`, '--format', '{{.Names}}'], {
    env: podmanEnv(),
    encoding: 'utf8',
  });
  for (const name of names.stdout.split('\n').filter((n) => n.endsWith(`-${process.pid}`)))
    spawnSync('podman', ['rm', '-f', '-t', '0', name], { env: podmanEnv() });
  cleanup();
});

test.serial('nuwa-host build --target wsgi builds the chain and the wsgi stage as app-example-wsgi, Apache as a longrun, no CMD', (t) => {
  t.timeout(25 * 60_000, 'a cold build debootstraps and installs Debian packages');
  const r = nuwaHost(['build', '--target', 'wsgi', APP_DIR]);
  t.is(r.code, 0, r.stderr.slice(-4000));
  bid = r.stdout.trim().split('\n').at(-1) as string;
  t.regex(bid, /^[0-9a-f]{64}$/);
  t.regex(r.stderr, /^nuwa-host build: \[4\/4\] building localhost\/app-example-wsgi:latest from \S+ \(stage wsgi\)$/m);
  t.is(podman(['image', 'inspect', '-f', '{{.Id}}', IMAGE]).trim(), bid);
  const config = JSON.parse(podman(['image', 'inspect', '-f', '{{json .Config}}', bid])) as {
    Cmd?: string[] | null;
    Entrypoint: string[];
    Labels: Record<string, string>;
  };
  t.deepEqual(config.Entrypoint, ['/init']);
  t.falsy(config.Cmd, 'no main program: Apache is a service');
  t.like(config.Labels, { 'nuwa.port': '8000', 'nuwa.health': '/healthz' });
  t.true((config.Labels.Setup ?? '').startsWith('# nuwa Setup for localhost/app-example-wsgi:latest: bin/ holds '));
  t.is(podman(['run', '--rm', '--entrypoint', 'cat', bid, '/etc/s6-overlay/s6-rc.d/apache/down-signal']), 'SIGWINCH\n');
});

test.serial('--target on a layer of the chain is refused with one line, before anything is built', (t) => {
  const r = nuwaHost(['build', '--target', 'wsgi', path.join(ROOT, 'layers/base')]);
  t.is(r.code, 1);
  t.is(r.stderr, `nuwa-host: --target chooses a stage of an app's Containerfile, not of ${path.join(ROOT, 'layers/base')}\n`);
  t.is(r.stdout, '');
});

test.serial('Apache + mod_wsgi serves the Django page as an s6-rc longrun; a SIGWINCH to the container leaves it running', async (t) => {
  t.timeout(5 * 60_000);
  t.truthy(bid, 'the build test ran first');
  const name = containerName('serve');
  podman(['run', '-d', '--name', name, '-p', `127.0.0.1:${PORT}:8000`, bid]);
  const health = await waitFor('Apache to answer /healthz', async () => (await get('/healthz')).status === 200, { timeoutMs: 120_000 });
  t.true(health);
  const page = await get('/');
  t.is(page.status, 200);
  t.regex(page.body, /^Hello from nuwa's example app \(Django [\d.]+\)\. Visits: 1\n$/);
  t.regex(page.server, /^Apache\//, 'Apache answered, not gunicorn');
  t.regex(logs(name), /"GET \/ HTTP\/1\.1" 200 /, "Apache's access log is the container's log");

  // Apache's parent is the supervised process itself (run execs it; nuwa's supervisor runs in PID 1); the Django
  // code runs inside its workers (mod_wsgi's embedded mode), as www-data.
  const top = processes(name);
  const parent = top.find((p) => p[1] === '1' && p[3] === '/usr/sbin/apache2' && p[4] === '-DFOREGROUND');
  t.truthy(parent, JSON.stringify(top));
  t.is(parent?.[2], 'root');
  const children = workers(name, parent?.[0] as string);
  t.true(children.length >= 1, JSON.stringify(top));
  t.true(
    children.every(([, user]) => user === 'www-data'),
    JSON.stringify(top),
  );
  t.regex(logs(name), /mod_wsgi\/[\d.]+ Python\/3\.\d+ configured -- resuming normal operations/);
  t.regex(podman(['exec', name, 's6-rc', '-a', 'list']), /^apache$/m);
  t.regex(podman(['exec', name, 's6-svstat', SERVICE]), new RegExp(`^up \\(pid ${parent?.[0]}\\) `));

  // s6-overlay mode: /init ignores SIGWINCH (a terminal's resize), so it never reaches Apache's graceful stop.
  podman(['kill', '--signal', 'WINCH', name]);
  t.is((await get('/healthz')).status, 200);
  t.is(podman(['inspect', '-f', '{{.State.Status}}', name]).trim(), 'running');
  t.notRegex(logs(name), /caught SIGWINCH/);
});

test.serial('s6-svc -1 reloads Apache gracefully while a client makes requests: none is dropped', async (t) => {
  t.timeout(5 * 60_000);
  const name = `${PREFIX}serve-${process.pid}`;
  const apachePid = podman(['exec', name, 'cat', '/run/apache2/apache2.pid']).trim();
  const reloadsBefore = count(logs(name), /resuming normal operations/);
  const failures: string[] = [];
  let done = false;
  let answered = 0;
  // CLIENTS clients on loopback, each one request after another on a fresh connection, until the reloads are over
  // and each has made 50 more: a bounded loop. Several at once, so that requests are in flight when a reload comes.
  const client = async () => {
    for (let after = 0; !done || after < 50; after += done ? 1 : 0) {
      try {
        const r = await get('/healthz');
        if (r.status === 200 && r.body === 'ok\n') answered++;
        else failures.push(`HTTP ${r.status}: ${r.body.slice(0, 200)}`);
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
  };
  const clients = Array.from({ length: CLIENTS }, client);
  const workersBefore = workers(name, apachePid);
  try {
    for (let i = 1; i <= RELOADS; i++) {
      const seen = answered;
      await waitFor('requests to be answered before the reload', () => answered > seen + 20, { timeoutMs: 60_000 });
      const inFlight = await Promise.all(Array.from({ length: 3 }, requestInFlight));
      await promisify(execFile)('podman', ['exec', name, 's6-svc', '-1', SERVICE], { env: podmanEnv() });
      const reloaded = async () => count(await logsAsync(name), /resuming normal operations/) >= reloadsBefore + i;
      await waitFor(`reload ${i} to be done`, reloaded, { timeoutMs: 60_000, intervalMs: 200 });
      for (const status of await Promise.all(inFlight.map((r) => r.finish()))) {
        if (status !== 'HTTP/1.1 200 OK') failures.push(`in flight across reload ${i}: ${status}`);
      }
    }
  } finally {
    done = true; // the clients make their last 50 requests and end, whatever happened
  }
  await Promise.all(clients);
  t.deepEqual(failures, []);
  t.true(answered >= 100, `${answered} requests answered`);
  const text = logs(name);
  t.is(count(text, /SIGUSR1 received\.\s+Doing graceful restart/), RELOADS, text.slice(-3000));
  t.is(podman(['exec', name, 'cat', '/run/apache2/apache2.pid']).trim(), apachePid, 'the same Apache parent: a reload, not a restart');
  const replaced = await waitFor('the old workers to finish their requests and exit', () => {
    const now = workers(name, apachePid).map(([pid]) => pid);
    return workersBefore.every(([pid]) => !now.includes(pid));
  });
  t.true(replaced, 'every worker was replaced: the new ones load the code anew');
  t.regex(podman(['exec', name, 's6-svstat', SERVICE]), new RegExp(`^up \\(pid ${apachePid}\\) `));
});

test.serial(
  'podman stop: Apache stops gracefully (SIGWINCH, its down-signal), answering a request in flight, within the grace time; exit 0',
  async (t) => {
    t.timeout(3 * 60_000);
    const name = `${PREFIX}serve-${process.pid}`;
    const inFlight = await requestInFlight();
    const stopping = promisify(execFile)('podman', ['stop', '-t', '10', name], { env: podmanEnv(), encoding: 'utf8' });
    await waitFor('Apache to begin its graceful stop', async () => /caught SIGWINCH/.test(await logsAsync(name)), {
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    t.is(await inFlight.finish(), 'HTTP/1.1 200 OK', 'the request in flight is answered');
    const stop = await stopping;
    t.notRegex(stop.stderr, /resorting to SIGKILL/, 'podman did not have to kill it');
    t.is(podman(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', name]).trim(), 'exited 0');
    const text = logs(name);
    t.regex(text, /caught SIGWINCH, shutting down gracefully/, text.slice(-3000));
    t.notRegex(text, /caught SIGTERM/, 'Apache got no SIGTERM before it was done');
  },
);

test.serial('tini mode (/init --plain, Apache as CMD): nuwa forwards SIGWINCH, as tini does, and Apache stops on it', async (t) => {
  t.timeout(3 * 60_000);
  t.truthy(bid, 'the build test ran first');
  const name = containerName('tini');
  podman(['run', '-d', '--name', name, '--entrypoint', '["/init","--plain"]', bid, '/usr/local/bin/apache2-foreground']);
  await waitFor('Apache to be up', () => /resuming normal operations/.test(logs(name)), { timeoutMs: 120_000, intervalMs: 200 });
  t.is(podman(['exec', name, 'curl', '-sS', 'http://127.0.0.1:8000/healthz']), 'ok\n');
  // What a terminal resize (podman run -it, podman attach) sends.
  podman(['kill', '--signal', 'WINCH', name]);
  await waitFor('the container to end', () => podman(['inspect', '-f', '{{.State.Status}}', name]).trim() === 'exited', {
    timeoutMs: 60_000,
    intervalMs: 200,
  });
  t.is(podman(['inspect', '-f', '{{.State.ExitCode}}', name]).trim(), '0', "Apache's own exit code: its graceful stop");
  t.regex(logs(name), /caught SIGWINCH, shutting down gracefully/);
});

test.serial(
  "the tutorial's steps with the wsgi image: Setup, bin/run waits for /healthz through Apache, bin/kill after a stop",
  async (t) => {
    t.timeout(5 * 60_000);
    t.truthy(bid, 'the build test ran first');
    const host = sandboxHost(1);
    const app = `${PREFIX}app-${process.pid}`;
    const dir = path.join(scratchDir('nuwa-wsgi-srv-'), app);
    const run = bash(`mkdir ${dir} && cd ${dir}\nexport BID=${bid}\n${RUN_SETUP_LINE}\nbin/run`, ROOT, {
      ...host.env,
      NUWA_PORT: String(TUTORIAL_PORT),
    });
    t.is(run.code, 0, run.stderr);
    t.regex(run.stderr, new RegExp(`bin/run: ${app} is running: http://127.0.0.1:${TUTORIAL_PORT}/healthz`));
    const page = await get('/', TUTORIAL_PORT);
    t.regex(page.body, /^Hello from nuwa's example app \(Django [\d.]+\)\. Visits: 1\n$/);
    t.regex(page.server, /^Apache\//);
    const stop = spawnSync('podman', ['stop', '-t', '10', app], { env: podmanEnv(), encoding: 'utf8' });
    t.is(stop.status, 0, stop.stderr);
    const kill = bash('bin/kill', dir, host.env);
    t.is(kill.code, 0, kill.stderr);
    t.is(spawnSync('podman', ['container', 'exists', app], { env: podmanEnv() }).status, 1, 'the container is gone');
  },
);
