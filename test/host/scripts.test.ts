/**
 * The bin/ scripts and the Setup label's script without a built image chain: shellcheck, the folder and host checks
 * (bin/_predicate), hostile names, bad configuration, and nuwa-host's own bad-input paths. Real bash, real podman.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LABEL_CAP, RUN_SETUP, setupLabel, setupScript } from '../../host-cli/src/setup-label';
import { CONTAINERS_CONF, ROOT, requireCommand } from '../helpers';
import { minimalImage } from '../helpers/minimal-image';
import {
  BIN_TEMPLATES,
  TEMPLATES,
  appFolder,
  bash,
  cleanup,
  listTree,
  nuwaHost,
  nuwaSnapshot,
  sandboxHost,
  scratchDir,
} from './host-helpers';

test.after.always(() => cleanup());

test('every bin/ script, the Setup script as generated, and the rootfs scripts pass shellcheck', (t) => {
  requireCommand('shellcheck');
  const dir = scratchDir('nuwa-t7-sc-');
  const generated = path.join(dir, 'Setup');
  fs.writeFileSync(generated, `#!/bin/bash\n${setupScript(TEMPLATES, 'localhost/example:latest')}`);
  const files = [
    ...fs.readdirSync(BIN_TEMPLATES).map((f) => path.join(BIN_TEMPLATES, f)),
    path.join(TEMPLATES, 'setup.sh'),
    generated,
    path.join(ROOT, 'rootfs/usr/lib/nuwa/install-symlinks'),
    path.join(ROOT, 'rootfs/usr/sbin/policy-rc.d'),
    path.join(ROOT, 'rootfs/etc/s6-overlay/s6-rc.d/rsyslog/run'),
    path.join(ROOT, 'rootfs/etc/s6-overlay/s6-rc.d/cron/run'),
  ];
  // -x follows `. _lib.sh`; -P tells it where the sourced files are for the generated script.
  const r = spawnSync('shellcheck', ['-x', '-P', `SCRIPTDIR:${BIN_TEMPLATES}:${TEMPLATES}`, ...files], {
    cwd: TEMPLATES,
    encoding: 'utf8',
  });
  t.is(r.status, 0, r.stdout + r.stderr);
  // The label's unpacking part is POSIX sh: sh, not bash, may be what runs it.
  fs.writeFileSync(path.join(dir, 'Setup.label'), setupLabel(TEMPLATES, 'localhost/example:latest'));
  const label = spawnSync('shellcheck', ['-s', 'sh', path.join(dir, 'Setup.label')], { encoding: 'utf8' });
  t.is(label.status, 0, label.stdout + label.stderr);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("the Setup label stays well under podman's 120 KiB cap, and busybox's sh, base64 and gzip (Alpine's) unpack and run it", (t) => {
  const busybox = requireCommand('busybox', 'busybox-static');
  const label = setupLabel(TEMPLATES, 'localhost/example:latest');
  const script = setupScript(TEMPLATES, 'localhost/example:latest');
  t.true(Buffer.byteLength(label) < LABEL_CAP / 2, `the label is ${Buffer.byteLength(label)} bytes`);
  t.true(Buffer.byteLength(script) > Buffer.byteLength(label) * 2, 'the script itself is packed');
  // A PATH with nothing but busybox's sh, base64 and gzip, and the bash the unpacked script is written in.
  const dir = scratchDir('nuwa-t15b-busybox-');
  const tools = path.join(dir, 'tools');
  fs.mkdirSync(tools);
  for (const tool of ['sh', 'base64', 'gzip']) fs.symlinkSync(busybox, path.join(tools, tool));
  fs.symlinkSync(requireCommand('bash'), path.join(tools, 'bash'));
  const app = path.join(dir, 'app');
  fs.mkdirSync(app);
  const env = { PATH: tools };
  const printed = spawnSync(path.join(tools, 'sh'), [], {
    cwd: app,
    env: { ...env, NUWA_SETUP_PRINT: '1' },
    input: label,
    encoding: 'utf8',
  });
  t.is(printed.status, 0, printed.stderr);
  t.is(printed.stdout, script, 'NUWA_SETUP_PRINT=1 prints the script, byte for byte');
  // Piped to sh, as `podman image inspect --format '{{index .Config.Labels "Setup"}}' IMAGE | sh` does: the script runs
  // (its first check is BID's), and leaves the folder as it was.
  const ran = spawnSync(path.join(tools, 'sh'), [], { cwd: app, env, input: label, encoding: 'utf8' });
  t.is(ran.status, 1);
  t.is(ran.stderr, 'nuwa Setup: BID is not set: export BID=<image id> (podman images lists them), then run the line again\n');
  t.deepEqual(fs.readdirSync(app), []);
  // A host without gzip: one line naming it. (Debian's sh: busybox's answers `command -v` for its own applets.)
  fs.rmSync(path.join(tools, 'gzip'));
  const nogzip = spawnSync(requireCommand('dash'), [], { cwd: app, env, input: label, encoding: 'utf8' });
  t.is(nogzip.status, 1);
  t.is(nogzip.stderr, 'nuwa Setup: gzip is not installed (Setup needs bash, base64 and gzip)\n');
  // A damaged label (its packed text cut short): one line saying so, nothing run.
  fs.symlinkSync(busybox, path.join(tools, 'gzip'));
  const cut = label.replace(/^p='(.*)'$/m, (_, p: string) => `p='${p.slice(0, p.length / 2)}'`);
  const damaged = spawnSync(path.join(tools, 'sh'), [], { cwd: app, env: { ...env, BID: 'x' }, input: cut, encoding: 'utf8' });
  t.is(damaged.status, 1);
  t.regex(damaged.stderr, /^nuwa Setup: the Setup label does not unpack \(base64 -d \| gzip -dc failed\): the image is damaged$/m);
  t.deepEqual(fs.readdirSync(app), []);
});

test('the Setup script carries every file of templates/bin with its mode', (t) => {
  const dir = scratchDir('nuwa-t7-unpack-');
  const script = setupScript(TEMPLATES, 'localhost/example:latest');
  // Run only the unpacking half against a stage folder: cut before Setup sources the library.
  const unpack = script.slice(script.indexOf('mkdir "$stage/bin"'), script.indexOf('# From here on'));
  const r = bash(`stage=${JSON.stringify(dir)}\n${unpack}`, dir);
  t.is(r.code, 0, r.stderr);
  for (const f of fs.readdirSync(BIN_TEMPLATES)) {
    const want = fs.readFileSync(path.join(BIN_TEMPLATES, f), 'utf8');
    t.is(fs.readFileSync(path.join(dir, 'bin', f), 'utf8'), want.endsWith('\n') ? want : `${want}\n`, f);
    t.is(
      fs.statSync(path.join(dir, 'bin', f)).mode & 0o111 ? 'x' : '-',
      fs.statSync(path.join(BIN_TEMPLATES, f)).mode & 0o111 ? 'x' : '-',
      f,
    );
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

const HOSTILE = ['my app', "it's", 'a;touch pwned', '$(touch pwned)', '`touch pwned`', 'a"b', '-rf', 'x|y'];

test('bin/ scripts refuse hostile folder names before doing anything', (t) => {
  const host = sandboxHost();
  for (const name of HOSTILE) {
    const parent = scratchDir('nuwa-t7-hostile-');
    const dir = appFolder(parent, name);
    const before = listTree(parent);
    for (const script of ['run', 'kill', 'status', 'shell', '_predicate']) {
      const r = bash(`bin/${script}`, dir, host.env);
      t.is(r.code, 1, `${name}: bin/${script}`);
      t.regex(r.stderr, /is not allowed/, `${name}: bin/${script}: ${r.stderr}`);
      t.is(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    }
    t.deepEqual(listTree(parent), before, `${name}: nothing created`);
    t.false(fs.existsSync(path.join(dir, 'pwned')) || fs.existsSync(path.join(parent, 'pwned')), `${name}: nothing ran`);
    fs.rmSync(parent, { recursive: true, force: true });
  }
});

test('a hostile NUWA_NAME in nuwa.env is refused too', (t) => {
  const host = sandboxHost();
  const parent = scratchDir('nuwa-t7-hostile-');
  const dir = appFolder(parent, 'nuwa-t7-app', 'NUWA_IMAGE=x\nNUWA_NAME=a;b\n');
  const r = bash('bin/run', dir, host.env);
  t.is(r.code, 1);
  t.regex(r.stderr, /NUWA_NAME in nuwa.env 'a;b' is not allowed/);
  fs.rmSync(parent, { recursive: true, force: true });
});

test('Setup refuses a hostile folder name and leaves the folder as it was', (t) => {
  requireCommand('podman');
  requireCommand('jq');
  const image = minimalImage();
  const script = setupScript(TEMPLATES, 'localhost/example:latest');
  for (const name of HOSTILE) {
    const parent = scratchDir('nuwa-t7-hostile-');
    const dir = path.join(parent, name);
    fs.mkdirSync(dir);
    const r = spawnSync('bash', ['-c', script], { cwd: dir, env: { ...process.env, CONTAINERS_CONF, BID: image }, encoding: 'utf8' });
    t.is(r.status, 1, name);
    t.regex(r.stderr, /^nuwa Setup: the app folder.* is not allowed/, `${name}: ${r.stderr}`);
    t.deepEqual(fs.readdirSync(dir), [], `${name}: nothing left in the folder`);
    fs.rmSync(parent, { recursive: true, force: true });
  }
});

test('Setup without BID says to export it, and changes nothing', (t) => {
  const dir = scratchDir('nuwa-t7-nobid-');
  const env: NodeJS.ProcessEnv = { ...process.env, CONTAINERS_CONF };
  delete env.BID;
  const r = spawnSync('bash', ['-c', setupScript(TEMPLATES, 'localhost/example:latest')], { cwd: dir, env, encoding: 'utf8' });
  t.is(r.status, 1);
  t.regex(r.stderr, /BID is not set: export BID=/);
  t.deepEqual(fs.readdirSync(dir), []);
});

test('bin/ scripts run from anywhere but the app folder say where to run them', (t) => {
  const host = sandboxHost();
  const parent = scratchDir('nuwa-t7-where-');
  const dir = appFolder(parent, 'nuwa-t7-app');
  const inside = bash('./run', path.join(dir, 'bin'), host.env);
  t.is(inside.code, 1);
  t.is(inside.stderr, `bin/run: run me from the app folder, the one above bin/: cd '${fs.realpathSync(dir)}' && bin/run\n`);
  const elsewhere = bash(`${JSON.stringify(path.join(dir, 'bin/kill'))}`, parent, host.env);
  t.is(elsewhere.code, 1);
  t.regex(elsewhere.stderr, /run me from the app folder/);
  t.false(fs.existsSync(path.join(dir, '.nuwa.lock')));
});

test('bin/ scripts on a host that is not initialised, or without podman, say what to do', (t) => {
  const parent = scratchDir('nuwa-t7-host-');
  const dir = appFolder(parent, 'nuwa-t7-app');
  const r = bash('bin/run', dir, { NUWA_HOST_CONF: path.join(parent, 'missing/host.env') });
  t.is(r.code, 1);
  t.regex(r.stderr, /this host is not initialised for nuwa \(.*missing\/host.env is missing\): run 'nuwa-host init' as root/);

  // A PATH with everything /usr/bin and /bin have, except podman.
  const host = sandboxHost();
  const noPodman = path.join(parent, 'path');
  fs.mkdirSync(noPodman);
  for (const d of ['/usr/bin', '/bin']) {
    for (const f of fs.readdirSync(d))
      if (f !== 'podman' && !fs.existsSync(path.join(noPodman, f))) fs.symlinkSync(path.join(d, f), path.join(noPodman, f));
  }
  const p = spawnSync('/bin/bash', ['-c', 'bin/status'], { cwd: dir, env: { ...host.env, PATH: noPodman }, encoding: 'utf8' });
  t.is(p.status, 1);
  t.regex(p.stderr, /podman is not installed: run 'nuwa-host init'/);
  fs.rmSync(parent, { recursive: true, force: true });
});

test('a bad line in nuwa.env is named with its file and line number; values are never run', (t) => {
  const host = sandboxHost();
  const parent = scratchDir('nuwa-t7-conf-');
  const dir = appFolder(parent, 'nuwa-t7-app', 'NUWA_IMAGE=x\n# a comment\nDATABASE_URL=$(touch pwned)\nnot a setting\n');
  const r = bash('bin/get_bid', dir, host.env);
  t.is(r.code, 1);
  t.is(r.stderr, `bin/get_bid: ${fs.realpathSync(dir)}/nuwa.env line 4: expected KEY=value, got 'not a setting'\n`);
  fs.writeFileSync(path.join(dir, 'nuwa.env'), 'NUWA_IMAGE=$(touch pwned)x\nNUWA_DIR=/etc\n');
  const reserved = bash('bin/get_bid', dir, host.env);
  t.regex(reserved.stderr, /line 2: NUWA_DIR is computed by the scripts and cannot be set/);
  fs.writeFileSync(path.join(dir, 'nuwa.env'), 'NUWA_IMAGE=localhost/app:latest\nDATABASE_URL=$(touch pwned)\n');
  const ok = bash('bin/get_bid', dir, host.env);
  t.is(ok.code, 0, ok.stderr);
  t.is(ok.stdout, 'localhost/app:latest\n');
  t.false(fs.existsSync(path.join(dir, 'pwned')));
  fs.rmSync(parent, { recursive: true, force: true });
});

test('bad values in nuwa.env never keep bin/uninstall and bin/kill from cleaning up: one warning line each', (t) => {
  const host = sandboxHost();
  const parent = scratchDir('nuwa-t15b-conf-');
  const name = 'nuwa-t15b-bad';
  const dir = appFolder(parent, name, 'NUWA_IMAGE=bad image\nNUWA_PORT=abc\nnot a setting\nNUWA_TLS=bogus\nNUWA_DOMAIN=-x-\n');
  const real = fs.realpathSync(dir);
  // What a bin/run left behind: its unit and monit check (they name the folder), no container.
  const unit = path.join(host.systemdDir, `nuwa-${name}.service`);
  const check = path.join(host.monitDir, `nuwa-${name}`);
  fs.writeFileSync(unit, `# nuwa: keeps container ${name} (${real}) running.\n`);
  fs.writeFileSync(check, `# nuwa: restarts container ${name} (${real}) when it stops.\n`);
  const bad = [
    `${real}/nuwa.env line 3: expected KEY=value, got 'not a setting'`,
    `NUWA_IMAGE 'bad image' in ${real}/nuwa.env is not an image id or name`,
    `NUWA_PORT 'abc' in ${real}/nuwa.env is not a port number (1-65535)`,
  ];
  const run = bash('bin/run', dir, host.env);
  t.is(run.code, 1);
  t.is(run.stderr, `bin/run: ${bad[0]}\n`, 'a script that needs its settings refuses, in one line');
  const warned = (script: string, stderr: string) => stderr.split('\n').filter((l) => l.startsWith(`bin/${script}: warning: `));
  const uninstall = bash('bin/uninstall', dir, host.env);
  t.is(uninstall.code, 0, uninstall.stderr);
  t.deepEqual(
    warned('uninstall', uninstall.stderr),
    [
      ...bad,
      "NUWA_DOMAIN '-x-' is not a domain name (like www.example.com; several are separated by spaces): '-x-' is not one",
      "NUWA_TLS 'bogus' is not acme (a certificate by ACME), off (plain HTTP) or files (NUWA_TLS_CERT, NUWA_TLS_KEY)",
    ].map((m) => `bin/uninstall: warning: ${m}; ignored: bin/uninstall does not need it`),
  );
  const kill = bash('bin/kill', dir, host.env);
  t.is(kill.code, 0, kill.stderr);
  t.deepEqual(
    warned('kill', kill.stderr),
    bad.map((m) => `bin/kill: warning: ${m}; ignored: bin/kill does not need it`),
  );
  t.false(fs.existsSync(unit));
  t.false(fs.existsSync(check));
  fs.rmSync(parent, { recursive: true, force: true });
});

test('nuwa-host init --prefix writes the host configuration and the podman settings this machine needs', (t) => {
  const host = sandboxHost(7);
  const conf = fs.readFileSync(host.hostConf, 'utf8');
  t.regex(conf, new RegExp(`^NUWA_SYSTEMD_DIR=${host.systemdDir}$`, 'm'));
  t.regex(conf, new RegExp(`^NUWA_MONIT_DIR=${host.monitDir}$`, 'm'));
  t.regex(conf, new RegExp(`^NUWA_MONITRC=${host.monitrc}$`, 'm'));
  t.is(fs.statSync(host.monitrc).mode & 0o777, 0o600, 'monit insists on a private control file');
  t.regex(fs.readFileSync(host.monitrc, 'utf8'), /^set daemon 7$/m);
  const mon = spawnSync('monit', ['-t', '-c', host.monitrc], { encoding: 'utf8' });
  t.is(mon.status, 0, mon.stderr);
  // These machines need runc and explicit ulimits (the same settings test/fixtures/containers.conf holds).
  const podman = fs.readFileSync(path.join(host.root, 'etc/containers/containers.conf.d/50-nuwa.conf'), 'utf8');
  const fixture = fs.readFileSync(CONTAINERS_CONF, 'utf8');
  for (const line of ['runtime = "runc"', 'default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]']) {
    t.true(fixture.includes(line) && podman.includes(line), line);
  }
});

test('nuwa-host init --prefix refuses a path the bin/ scripts would not accept, in one line, and writes nothing', (t) => {
  const parent = scratchDir('nuwa-t7-prefix-');
  const rule =
    "is not allowed: an absolute path of letters, digits and '_' '.' '/' '@' '+' '-' only (what the bin/ scripts accept in host.env)";
  for (const prefix of [
    `${parent}/with space`, // monitrc: "set pidfile DIR/run/monit.pid" would split (monit: syntax error)
    `${parent}/x\nNUWA_CONTAINERS_CONF=${parent}/evil`, // host.env: a second line, a key nobody asked for
    `${parent}/a:b`, // podman -v fields
    `${parent}/$(touch pwned)`,
  ]) {
    const r = nuwaHost(['init', '--prefix', prefix, '--monit-interval', '1']);
    t.is(r.code, 100, `${JSON.stringify(prefix)}: ${r.stderr}`);
    t.is(r.stderr, `nuwa-host: --prefix ${JSON.stringify(prefix)} ${rule}\n`, 'a usage error starts like its other errors');
    t.is(r.stdout, '');
  }
  t.deepEqual(fs.readdirSync(parent), [], 'nothing written');
  // The same rule as bin/_lib.sh's nuwa_check_path: what init accepts, the scripts accept.
  const ok = `${parent}/ok_1.2@x+y-z`;
  t.is(nuwaHost(['init', '--prefix', ok, '--monit-interval', '1']).code, 0);
  const check = bash(
    `. ${BIN_TEMPLATES}/_lib.sh; nuwa_check_path "$(sed -n 's/^NUWA_MONITRC=//p' ${ok}/etc/nuwa/host.env)" x && echo fine`,
    parent,
  );
  t.is(check.stdout, 'fine\n', check.stderr);
});

test('nuwa-host: an image without the Setup label, a folder without bin/, and unknown options are refused clearly', (t) => {
  const image = minimalImage();
  const dir = scratchDir('nuwa-t7-cli-');
  const nolabel = nuwaHost(['setup', image, dir]);
  t.is(nolabel.code, 1);
  t.is(nolabel.stderr, `nuwa-host: image '${image}' has no Setup label: build it with "nuwa-host build APPDIR"\n`);
  const missing = nuwaHost(['setup', 'localhost/nuwa-t7-no-such-image:latest', dir]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /no image 'localhost\/nuwa-t7-no-such-image:latest' on this host/);
  const nobin = nuwaHost(['run', dir]);
  t.is(nobin.code, 100);
  t.regex(nobin.stderr, /has no bin\/: unpack it first with "nuwa-host setup IMAGE/);
  const option = nuwaHost(['build', '--fast', dir]);
  t.is(option.code, 100);
  t.is(option.stderr, "nuwa-host: build: unknown option '--fast' (nuwa-host --help)\n");
  const noContainerfile = nuwaHost(['build', dir]);
  t.is(noContainerfile.code, 1);
  t.regex(noContainerfile.stderr, /has no Containerfile/);
  t.deepEqual(fs.readdirSync(dir), []);
});

test('nuwa-host answers to its own name through a symlink, and refuses a hostile --tag', (t) => {
  const dir = scratchDir('nuwa-t7-link-');
  const link = path.join(dir, 'nuwa-host');
  fs.symlinkSync(nuwaSnapshot(), link);
  const help = spawnSync(link, ['--help'], { encoding: 'utf8' });
  t.is(help.status, 0, help.stderr);
  t.regex(help.stdout, /^usage: nuwa-host COMMAND/);
  const usage = spawnSync(link, ['build'], { encoding: 'utf8' });
  t.is(usage.status, 100);
  t.is(usage.stderr, 'nuwa-host: build takes one app folder (nuwa-host build DIR)\n', 'a usage error starts like its other errors');
  const app = path.join(dir, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'Containerfile'), 'FROM scratch\n');
  const r = spawnSync(link, ['build', '--tag', 'a;b', app], {
    encoding: 'utf8',
    env: { ...process.env, CONTAINERS_CONF, NUWA_SHARE: ROOT, NUWA_CACHE_DIR: dir },
  });
  t.is(r.status, 1);
  t.is(r.stderr, "nuwa-host: image name 'a;b' is not allowed: lowercase letters, digits, '_', '.', '-' (or pass --tag NAME)\n");
  fs.rmSync(dir, { recursive: true, force: true });
});

test('nuwa-host init --check names the programs this host lacks and installs nothing', (t) => {
  const dir = scratchDir('nuwa-t7-check-');
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  for (const d of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    for (const f of fs.readdirSync(d))
      if (!['jq', 'monit'].includes(f) && !fs.existsSync(path.join(bin, f))) fs.symlinkSync(path.join(d, f), path.join(bin, f));
  }
  const r = spawnSync(nuwaSnapshot(), ['nuwa-host', 'init', '--check', '--prefix', path.join(dir, 'host')], {
    encoding: 'utf8',
    env: { ...process.env, PATH: bin },
  });
  t.is(r.status, 1);
  t.is(r.stderr, 'nuwa-host: missing on this host: jq, monit (run nuwa-host init without --check to install them)\n');
  t.false(fs.existsSync(path.join(dir, 'host')));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('nuwa-host init --check on a host that has every program only reports: it writes nothing', (t) => {
  const dir = scratchDir('nuwa-t15-check-');
  const r = nuwaHost(['init', '--check', '--prefix', path.join(dir, 'host')]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /is missing: run nuwa-host init to write it/);
  t.deepEqual(fs.readdirSync(dir), []);
});

test("the tutorial's Setup line fails loudly with BID unset, mistyped, or naming an image without Setup", (t) => {
  const dir = scratchDir('nuwa-t15-guard-');
  const image = minimalImage();
  for (const bid of ['', 'localhost/nuwa-t15-no-such-image:v0', image]) {
    const r = bash(`export BID=${bid}\n${RUN_SETUP}`, dir);
    t.is(r.code, 1, `BID=${bid}: ${r.stderr}`);
    t.regex(r.stderr, new RegExp(`^nuwa: BID=${bid} names no image with a Setup label, see podman images$`, 'm'));
    t.deepEqual(fs.readdirSync(dir), []);
  }
});
