/**
 * The image path end to end, against real podman, monit and systemd-analyze: nuwa-host build makes the layer chain
 * (once per run; podman's cache makes later runs quick), the tutorial's exact commands install and start the example
 * app, and bin/run · kill · status · shell · get_bid · get_cid behave on a real container. Serial: one app, one story.
 *
 * The app runs as the tini-mode shape: ENTRYPOINT /init, CMD gunicorn (gunicorn is /init's child).
 */
import test from 'ava';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { CONTAINERS_CONF, ROOT, nuwaBinary, podman, requireCommand, toolTmpdir, waitFor } from '../helpers';
import { bash, cleanup, nuwaHost, nuwaSnapshot, sandboxHost, scratchDir, type SandboxHost } from './host-helpers';

const APP_DIR = path.join(ROOT, 'layers/app-example');
const APP = 'nuwa-t7-tutorial';
const PORT = 18010;
/** The tutorial line, character for character. */
const RUN_SETUP_LINE =
  `bash -c "\`podman inspect -f '{{json .Config.Labels}}' $BID | jq -rn '(try input catch null) | .Setup // ` +
  `"echo nuwa: BID=$BID names no image with a Setup label, see podman images >&2; exit 1"'\`"`;

let bid = '';
let host: SandboxHost;
let srv = '';
let monit: ChildProcess | undefined;
const appDir = () => path.join(srv, APP);

/** SCRIPT in a throwaway container of IMAGE (under its /init); `out` is its stdout, `err` its stderr and /init's. */
function inContainer(image: string, script: string): { code: number; out: string; err: string } {
  // with-contenv: CMD gets s6-overlay's minimal environment; the script should see the image's (LD_PRELOAD, ...).
  const r = spawnSync('podman', ['run', '--rm', image, 'with-contenv', '/bin/bash', '-c', script], {
    env: { ...process.env, CONTAINERS_CONF },
    encoding: 'utf8',
  });
  return { code: r.status ?? 1, out: r.stdout, err: r.stderr };
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

function state(name: string): string {
  const r = spawnSync('podman', ['container', 'inspect', '-f', '{{.State.Status}} {{.State.StartedAt}}', name], {
    env: { ...process.env, CONTAINERS_CONF },
    encoding: 'utf8',
  });
  return r.status === 0 ? r.stdout.trim() : 'absent';
}

/** The tutorial's Setup line run in a new app folder under srv (with the port for it). */
function setupApp(name: string, port: number): string {
  const dir = path.join(srv, name);
  const r = bash(`mkdir ${dir} && cd ${dir}\nexport BID=${bid}\n${RUN_SETUP_LINE}`, srv, { ...host.env, NUWA_PORT: String(port) });
  if (r.code !== 0) throw new Error(`Setup in ${dir} failed: ${r.stderr}`);
  return dir;
}

test.before(() => {
  for (const command of ['podman', 'jq', 'monit', 'systemd-analyze', 'debootstrap', 'curl'])
    requireCommand(command, command === 'systemd-analyze' ? 'systemd' : command);
  nuwaBinary();
  srv = scratchDir('nuwa-t7-srv-');
  host = sandboxHost(1);
});

test.after.always(() => {
  monit?.kill('SIGTERM');
  const names = spawnSync('podman', ['ps', '-a', '--filter', 'name=^nuwa-t7-', '--format', '{{.Names}}'], {
    env: { ...process.env, CONTAINERS_CONF },
    encoding: 'utf8',
  });
  for (const name of names.stdout.split('\n').filter(Boolean))
    spawnSync('podman', ['rm', '-f', '-t', '2', name], { env: { ...process.env, CONTAINERS_CONF } });
  if (srv) fs.rmSync(srv, { recursive: true, force: true });
  cleanup();
});

test.serial('nuwa-host build makes and tags every layer, labels the app image, and prints its id last', (t) => {
  t.timeout(25 * 60_000, 'a cold build debootstraps and installs Debian packages');
  const r = nuwaHost(['build', APP_DIR]);
  t.is(r.code, 0, r.stderr.slice(-4000));
  const lines = r.stdout.trim().split('\n');
  bid = lines.at(-1) as string;
  t.regex(bid, /^[0-9a-f]{64}$/);
  t.is(podman(['image', 'inspect', '-f', '{{.Id}}', 'localhost/app-example:latest']).trim(), bid);
  // Progress per layer, with podman's own output behind each layer's name.
  ['nuwa/base', 'nuwa/python-base', 'nuwa/nuwa-python', 'app-example'].forEach((name, i) => {
    t.regex(
      r.stderr,
      new RegExp(`^nuwa-host build: \\[${i + 1}/4\\] localhost/${name}:latest = [0-9a-f]{12} \\(\\d+ of \\d+ steps from cache\\)$`, 'm'),
    );
    t.regex(r.stderr, new RegExp(`^\\[${name}\\] STEP 1/`, 'm'));
  });
  const labels = JSON.parse(podman(['image', 'inspect', '-f', '{{json .Config.Labels}}', bid])) as Record<string, string>;
  t.is(labels.RunSetup, RUN_SETUP_LINE);
  t.true((labels.Setup ?? '').startsWith('# nuwa Setup for localhost/app-example:latest: bin/ holds '));
  // The chain: each image's filesystem layers start with all of the one before's.
  const layers = (image: string) => JSON.parse(podman(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', image])) as string[];
  const chain = [
    'localhost/nuwa/os:debian-bookworm',
    'localhost/nuwa/base:latest',
    'localhost/nuwa/python-base:latest',
    'localhost/nuwa/nuwa-python:latest',
    bid,
  ].map(layers);
  for (let i = 1; i < chain.length; i++) {
    t.deepEqual(chain[i]?.slice(0, chain[i - 1]?.length), chain[i - 1]);
    t.true((chain[i]?.length ?? 0) > (chain[i - 1]?.length ?? 0));
  }
});

test.serial('a second build reuses every unchanged layer and gives the same image id', (t) => {
  t.timeout(10 * 60_000);
  const r = nuwaHost(['build', APP_DIR]);
  t.is(r.code, 0, r.stderr.slice(-2000));
  t.is(r.stdout.trim().split('\n').at(-1), bid);
  const reports = [...r.stderr.matchAll(/\[(\d)\/4\] \S+ = \S+ \((\d+) of (\d+) steps from cache\)/g)];
  t.is(reports.length, 4, r.stderr.slice(-2000));
  for (const [line, , cached, steps] of reports) t.is(cached, steps, line);
});

test.serial('two builds at once take turns (the layer tags are shared) and agree on the image', async (t) => {
  t.timeout(10 * 60_000);
  const env = { ...process.env, CONTAINERS_CONF, NUWA_SHARE: ROOT, TMPDIR: toolTmpdir() };
  const start = () => {
    const child = spawn(nuwaSnapshot(), ['nuwa-host', 'build', APP_DIR], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    return new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
      child.on('close', (code) => resolve({ code, out, err })),
    );
  };
  const [a, b] = await Promise.all([start(), start()]);
  t.is(a.code, 0, a.err.slice(-1000));
  t.is(b.code, 0, b.err.slice(-1000));
  t.is(a.out.trim().split('\n').at(-1), bid);
  t.is(b.out.trim().split('\n').at(-1), bid);
  t.true(
    [a, b].some((r) => /waiting for another nuwa-host build to finish/.test(r.err)),
    'one of them waited',
  );
});

test.serial(
  'the layers: /init is nuwa with its tool names, rsyslog and cron; Python, gcc, mod_wsgi; venv, Django, gunicorn, jemalloc, wkhtmltopdf',
  (t) => {
    t.deepEqual(JSON.parse(podman(['image', 'inspect', '-f', '{{json .Config.Entrypoint}}', 'localhost/nuwa/base:latest'])), ['/init']);
    const help = spawnSync(nuwaSnapshot(), ['--help'], { encoding: 'utf8' }).stdout;
    const applets = [...help.matchAll(/^ {2}(\S+) {2}/gm)].map((m) => m[1] as string).filter((n) => n !== 'init' && n !== 'nuwa-host');
    t.true(applets.length > 0);
    const base = inContainer(
      'localhost/nuwa/base:latest',
      [
        'sha256sum /init | cut -c1-64',
        `for n in ${applets.join(' ')}; do echo "$n $(readlink /command/$n) $(readlink -f /usr/bin/$n)"; done`,
        'echo "PATH=$PATH"',
        'rsyslogd -N1 -f /etc/rsyslog.conf >/dev/null 2>&1 && echo rsyslog-config-ok',
        'command -v cron',
        'nuwa --version',
      ].join('; '),
    );
    t.is(base.code, 0, base.err);
    const sha = spawnSync('sha256sum', [nuwaSnapshot()], { encoding: 'utf8' }).stdout.slice(0, 64);
    t.true(base.out.startsWith(`${sha}\n`), `the image's /init is the nuwa that built it: ${base.out}`);
    for (const n of applets) t.true(base.out.includes(`\n${n} ../init /init\n`), `${n} is linked: ${base.out}`);
    t.regex(base.out, /^PATH=\/command:/m);
    t.regex(base.out, /^rsyslog-config-ok$/m);
    t.regex(base.out, /^\/command\/cron$/m, "cron is nuwa's");
    t.regex(base.out, /^nuwa \d+\.\d+\.\d+/m);

    const py = inContainer('localhost/nuwa/python-base:latest', 'python3 --version; gcc --version | head -n 1; a2query -m wsgi');
    t.is(py.code, 0, py.err);
    t.regex(py.out, /^Python 3\.11\./m);
    t.regex(py.out, /^gcc /m);
    t.regex(py.out, /^wsgi \(enabled/m);

    const np = inContainer(
      'localhost/nuwa/nuwa-python:latest',
      [
        'python -c "import sys, django, gunicorn; print(sys.prefix, django.get_version(), gunicorn.__version__)"',
        'grep include-system-site-packages /opt/venv/pyvenv.cfg',
        'grep -c jemalloc /proc/self/maps',
        'command -v gunicorn',
        'wkhtmltopdf --version',
      ].join('; '),
    );
    t.is(np.code, 0, np.err);
    t.regex(np.out, /^\/opt\/venv 3\.2\.\d+ 20\.1\.0$/m);
    t.regex(np.out, /^include-system-site-packages = true$/m);
    t.regex(np.out, /^[1-9]\d*$/m, 'jemalloc is mapped into every process (LD_PRELOAD)');
    t.regex(np.out, /^\/opt\/venv\/bin\/gunicorn$/m);
    t.regex(np.out, /^wkhtmltopdf 0\.12\./m);
  },
);

test.serial("the tutorial, word for word: Setup unpacks bin/, bin/run serves the app with gunicorn as /init's child", async (t) => {
  t.timeout(5 * 60_000);
  t.truthy(bid, 'the build test ran first');
  // The tutorial with /srv/myapp in a scratch folder; the sandbox host's NUWA_HOST_CONF and this machine's
  // CONTAINERS_CONF come from the environment, NUWA_PORT picks a port from this test's range.
  const tutorial = [
    `mkdir ${appDir()} && cd ${appDir()}`,
    `export BID=${bid}`,
    RUN_SETUP_LINE,
    'bin/run        # from /srv/myapp, never from inside bin/',
  ].join('\n');
  const r = bash(tutorial, srv, { ...host.env, NUWA_PORT: String(PORT) });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, new RegExp(`bin/run: ${APP} is running: http://127.0.0.1:${PORT}/healthz`));
  t.deepEqual(fs.readdirSync(appDir()).sort(), ['.nuwa-releases', '.nuwa.lock', 'bin', 'nuwa.env', 'volumes']);

  t.deepEqual(await get(`http://127.0.0.1:${PORT}/healthz`), { status: 200, body: 'ok\n' });
  const home = await get(`http://127.0.0.1:${PORT}/`);
  t.is(home.status, 200);
  t.regex(home.body, /^Hello from nuwa's example app \(Django 3\.2\.\d+\)\. Visits: 1$/m);

  // PID 1 is nuwa's /init; gunicorn's master is its child (CMD); the workers are the master's, as www-data;
  // rsyslogd and cron run beside it, started by the service tree from nuwa/base's s6-rc.d.
  const top = podman(['top', APP, 'pid', 'ppid', 'user', 'args'])
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/));
  const pid1 = top.find((c) => c[0] === '1');
  t.deepEqual(pid1?.slice(3, 6), ['/init', 'with-contenv', 'gunicorn']);
  const master = top.find((c) => c[1] === '1' && c.join(' ').includes('/opt/venv/bin/gunicorn'));
  t.truthy(master, JSON.stringify(top));
  t.true(top.filter((c) => c[1] === master?.[0] && c[2] === 'www-data').length >= 2, JSON.stringify(top));
  t.truthy(
    top.find((c) => c[3] === 'rsyslogd'),
    JSON.stringify(top),
  );
  t.truthy(
    top.find((c) => c[3] === '/command/cron'),
    JSON.stringify(top),
  );
  t.regex(podman(['exec', APP, 'grep', '-c', 'libjemalloc', `/proc/${master?.[0]}/maps`]), /^[1-9]/, 'gunicorn runs with jemalloc');
  podman(['exec', APP, 'logger', '-t', 'nuwa-t7', 'hello through /dev/log']);
  await waitFor('the line in /var/log/syslog', () =>
    podman(['exec', APP, 'cat', '/var/log/syslog']).includes('nuwa-t7: hello through /dev/log'),
  );
  const cron = podman(['exec', APP, 'cron', '--check']);
  t.regex(cron, /count_visits/, "the app's cron job is read and valid");

  // The volume came out of the image with its owner and modes, and is what the container uses.
  const inImage = spawnSync(
    'podman',
    ['run', '--rm', '--entrypoint', 'stat', bid, '-c', '%u:%g %a', '/var/lib/exampleapp', '/var/lib/exampleapp/db.sqlite3'],
    { env: { ...process.env, CONTAINERS_CONF }, encoding: 'utf8' },
  ).stdout;
  const onHost = spawnSync('stat', ['-c', '%u:%g %a', 'volumes/var/lib/exampleapp', 'volumes/var/lib/exampleapp/db.sqlite3'], {
    cwd: appDir(),
    encoding: 'utf8',
  }).stdout;
  t.is(onHost, inImage);
  t.regex(onHost, /^33:33 750\n33:33 640\n$/);
  const mounts = JSON.parse(podman(['container', 'inspect', '-f', '{{json .Mounts}}', APP])) as { Source: string; Destination: string }[];
  t.deepEqual(
    mounts.map((m) => [m.Source, m.Destination]),
    [[path.join(fs.realpathSync(appDir()), 'volumes/var/lib/exampleapp'), '/var/lib/exampleapp']],
  );

  // Name, labels, published port, and nuwa.env's database connection in the container's environment.
  t.is(
    podman(['container', 'inspect', '-f', '{{index .Config.Labels "nuwa.app"}} {{index .Config.Labels "nuwa.dir"}}', APP]).trim(),
    `${APP} ${fs.realpathSync(appDir())}`,
  );
  t.regex(podman(['port', APP]), new RegExp(`^8000/tcp -> 127\\.0\\.0\\.1:${PORT}$`, 'm'));
  t.is(podman(['exec', APP, 'printenv', 'DATABASE_URL']).trim(), 'sqlite:////var/lib/exampleapp/db.sqlite3');

  // nuwa/base's HEALTHCHECK survives the chain (docker format), and podman runs it in the container: nuwa health.
  t.is(podman(['image', 'inspect', '-f', '{{json .HealthCheck.Test}}', bid]).trim(), '["CMD","nuwa","health"]');
  t.is(spawnSync('podman', ['healthcheck', 'run', APP], { env: { ...process.env, CONTAINERS_CONF } }).status, 0, 'healthy');

  // The other bin/ scripts, and nuwa-host running the same scripts.
  const status = JSON.parse(bash('bin/status --json', appDir(), host.env).stdout) as Record<string, Record<string, unknown>>;
  t.is(status.container?.state, 'running');
  t.is(status.systemd?.present, true);
  t.is(status.monit?.present, true);
  const viaHost = nuwaHost(['status', appDir(), '--json'], { env: host.env });
  t.is(viaHost.code, 0, viaHost.stderr);
  t.is((JSON.parse(viaHost.stdout) as { container: { state: string } }).container.state, 'running');
  t.is(bash('bin/get_bid', appDir(), host.env).stdout, `${bid}\n`);
  t.is(bash('bin/get_cid', appDir(), host.env).stdout.trim(), podman(['container', 'inspect', '-f', '{{.Id}}', APP]).trim());
  const shell = bash('bin/shell /bin/bash -c \'echo "$(id -un)@$(hostname): $(tr "\\0" " " </proc/1/cmdline)"\'', appDir(), host.env);
  t.is(shell.code, 0, shell.stderr);
  t.regex(shell.stdout, new RegExp(`^root@${APP}: /init with-contenv gunicorn `));
});

test.serial('the systemd unit bin/run wrote passes systemd-analyze verify (written, not loaded: systemd is not PID 1 here)', (t) => {
  const unit = path.join(host.systemdDir, `nuwa-${APP}.service`);
  const text = fs.readFileSync(unit, 'utf8');
  t.regex(text, new RegExp(`^ExecStart=/usr/bin/podman start ${APP}$`, 'm'));
  t.regex(text, new RegExp(`^Description=nuwa app ${APP} `, 'm'));
  const verify = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
  t.is(verify.status, 0, verify.stderr);
  const check = fs.readFileSync(path.join(host.monitDir, `nuwa-${APP}`), 'utf8');
  t.regex(check, new RegExp(`^check process nuwa-${APP} with pidfile "/`, 'm'));
  t.regex(check, new RegExp(`port ${PORT} protocol http request "/healthz"`));
  const syntax = spawnSync('monit', ['-t', '-c', host.monitrc], { encoding: 'utf8' });
  t.is(syntax.status, 0, syntax.stderr + syntax.stdout);
});

test.serial('bad input beside a running app: its name, its port, a busy port, a stray volumes/, kill while running', async (t) => {
  const again = bash('bin/run', appDir(), host.env);
  t.is(again.code, 1);
  t.regex(again.stderr, new RegExp(`a container named ${APP} already exists \\(running\\)`));
  const killRunning = bash('bin/kill', appDir(), host.env);
  t.is(killRunning.code, 1);
  t.regex(killRunning.stderr, new RegExp(`container ${APP} is running: bin/stop first \\(it tells monit\\), then bin/kill`));
  t.regex(state(APP), /^running /);

  const second = setupApp('nuwa-t7-second', PORT);
  const clean = fs.readdirSync(second).sort();
  const nothingLeft = () => {
    t.is(state('nuwa-t7-second'), 'absent');
    t.false(fs.existsSync(path.join(host.systemdDir, 'nuwa-nuwa-t7-second.service')));
    t.false(fs.existsSync(path.join(host.monitDir, 'nuwa-nuwa-t7-second')));
  };
  const samePort = bash('bin/run', second, host.env);
  t.is(samePort.code, 1);
  t.is(samePort.stderr, `bin/run: port ${PORT} on 127.0.0.1 is already in use: set another NUWA_PORT in nuwa.env\n`);
  nothingLeft();
  t.deepEqual(fs.readdirSync(second).sort(), [...clean, '.nuwa.lock'].sort());

  const server = net.createServer().listen(PORT + 3, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  fs.writeFileSync(
    path.join(second, 'nuwa.env'),
    fs.readFileSync(path.join(second, 'nuwa.env'), 'utf8').replace(`NUWA_PORT=${PORT}`, `NUWA_PORT=${PORT + 3}`),
  );
  const busy = bash('bin/run', second, host.env);
  server.close();
  t.is(busy.code, 1);
  t.regex(busy.stderr, new RegExp(`port ${PORT + 3} on 127.0.0.1 is already in use`));
  nothingLeft();

  fs.mkdirSync(path.join(second, 'volumes'));
  const stray = bash('bin/run', second, host.env);
  t.is(stray.code, 1);
  t.regex(stray.stderr, /volumes already exists but was not made by bin\/run .*: move it away, or rm -r volumes/);
  t.deepEqual(fs.readdirSync(path.join(second, 'volumes')), []);
  nothingLeft();

  const killNothing = bash('bin/kill', second, host.env);
  t.is(killNothing.code, 1);
  t.regex(killNothing.stderr, /there is no container nuwa-t7-second \(nothing to kill/);
});

test.serial('a start that fails is rolled back: no container, unit, monit check or volumes left', (t) => {
  const dir = setupApp('nuwa-t7-broken', PORT + 4);
  fs.appendFileSync(path.join(dir, 'nuwa.env'), 'DATABASE_URL=bogus://nowhere\n'); // the later line wins
  const r = bash('bin/run', dir, host.env);
  t.is(r.code, 1);
  // podman says "stopped" while it is still cleaning the exited container up, "exited" after
  t.regex(r.stderr, /container nuwa-t7-broken is (exited|stopped) instead of running/);
  t.regex(r.stderr, /DATABASE_URL: unsupported scheme 'bogus'/, "the container's last log lines are shown");
  t.regex(r.stderr, /failed; undoing the steps already done/);
  t.is(state('nuwa-t7-broken'), 'absent');
  t.false(fs.existsSync(path.join(host.systemdDir, 'nuwa-nuwa-t7-broken.service')));
  t.false(fs.existsSync(path.join(host.monitDir, 'nuwa-nuwa-t7-broken')));
  t.deepEqual(fs.readdirSync(dir).sort(), ['.nuwa.lock', 'bin', 'nuwa.env']);
  t.deepEqual(fs.readdirSync(host.systemdDir), [`nuwa-${APP}.service`]);
});

test.serial(
  'monit (in the foreground, with the sandbox monitrc) restarts the container after it was stopped behind its back',
  async (t) => {
    t.timeout(3 * 60_000);
    monit = spawn('monit', ['-I', '-c', host.monitrc], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    monit.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    monit.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    await waitFor(
      'monit to report the app OK',
      () => {
        const s = JSON.parse(bash('bin/status --json', appDir(), host.env).stdout) as { monit: { status: string } };
        return s.monit.status === 'OK';
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const before = state(APP);
    podman(['stop', '-t', '5', APP]);
    const after = await waitFor(
      'monit to start the container again',
      () => {
        const s = state(APP);
        return s.startsWith('running ') && s !== before ? s : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    t.not(after, before);
    // monit's lines reach us through a pipe, which on a loaded machine can trail the restart itself
    const said = new RegExp(`'nuwa-${APP}' (process is not running|trying to restart)`);
    await waitFor('monit to say it restarted the app', () => said.test(log), { timeoutMs: 30_000 }).catch(() => undefined);
    t.regex(log, said);
    const health = await waitFor(
      'the app to answer again',
      async () => {
        try {
          return (await get(`http://127.0.0.1:${PORT}/healthz`)).body;
        } catch {
          return undefined;
        }
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    t.is(health, 'ok\n');
  },
);

test.serial('bin/kill after a stop removes the container, unit and monit check; the data stays for the next bin/run', async (t) => {
  t.timeout(3 * 60_000);
  const unmonitor = spawnSync('monit', ['-c', host.monitrc, 'unmonitor', `nuwa-${APP}`], { encoding: 'utf8' });
  t.is(unmonitor.status, 0, unmonitor.stderr);
  podman(['stop', '-t', '5', APP]);
  const kill = bash('bin/kill', appDir(), host.env);
  t.is(kill.code, 0, kill.stderr);
  t.is(state(APP), 'absent');
  t.false(fs.existsSync(path.join(host.systemdDir, `nuwa-${APP}.service`)));
  t.false(fs.existsSync(path.join(host.monitDir, `nuwa-${APP}`)));
  t.true(fs.existsSync(path.join(appDir(), 'volumes/var/lib/exampleapp/db.sqlite3')));

  // Setup again (as for a new image): bin/ is replaced, nuwa.env keeps the user's settings.
  fs.appendFileSync(path.join(appDir(), 'nuwa.env'), 'ALLOWED_HOSTS=127.0.0.1,example.test\n');
  fs.writeFileSync(path.join(appDir(), 'bin/stray'), 'not from the image\n');
  const again = bash(`export BID=${bid}\n${RUN_SETUP_LINE}`, appDir(), host.env);
  t.is(again.code, 0, again.stderr);
  t.regex(again.stderr, /updated NUWA_IMAGE in nuwa.env/);
  t.false(fs.existsSync(path.join(appDir(), 'bin/stray')));
  const env = fs.readFileSync(path.join(appDir(), 'nuwa.env'), 'utf8');
  t.regex(env, new RegExp(`^NUWA_IMAGE=${bid}$`, 'm'));
  t.regex(env, new RegExp(`^NUWA_PORT=${PORT}$`, 'm'));
  t.regex(env, /^ALLOWED_HOSTS=127.0.0.1,example.test$/m);

  const rerun = nuwaHost(['run', appDir()], { env: host.env });
  t.is(rerun.code, 0, rerun.stderr);
  t.regex(rerun.stderr, /reusing .*volumes \(made by an earlier bin\/run; rm -r volumes for fresh data\)/);
  t.regex((await get(`http://127.0.0.1:${PORT}/`)).body, /Visits: 2$/m);
  t.is(podman(['exec', APP, 'printenv', 'ALLOWED_HOSTS']).trim(), '127.0.0.1,example.test');
});
