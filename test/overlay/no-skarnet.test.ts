/**
 * An image built on a base with no skarnet package at all (Rocky Linux has none): a root holding Debian's /bin/sh and
 * coreutils but no s6, execline or skalibs, with nuwa as /init and the base image's install-symlinks run in it. A
 * shell-scripted s6-overlay tree that calls the programs real scripts call (with-contenv, s6-setuidgid, s6-test,
 * s6-echo, s6-mkdir, s6-envuidgid, s6-svc, s6-svstat, s6-svdt, s6-pause…) passes --check and boots, as PID 1. So does
 * a tree written in execline the way real images write it (EXECLINE_TREE), with nuwa's execlineb, builtins and s6-log.
 */
import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, requireCommand, ROOT } from '../helpers';
import { makeRootfs } from '../helpers/minimal-image';
import { spawnInPidNamespace } from '../helpers/pid1';

const TOOLS = [
  '/bin/sh',
  '/bin/sleep',
  '/bin/cat',
  '/bin/ls',
  '/bin/sed',
  '/bin/ln',
  '/bin/mkdir',
  '/usr/bin/timeout',
  '/usr/bin/id',
  '/bin/grep',
];

const TREE: Record<string, string> = {
  'etc/s6-overlay/s6-rc.d/user/type': 'bundle\n',
  'etc/s6-overlay/s6-rc.d/user/contents.d/prepare': '',
  'etc/s6-overlay/s6-rc.d/user/contents.d/daemon': '',
  'etc/s6-overlay/s6-rc.d/prepare/type': 'oneshot\n',
  'etc/s6-overlay/s6-rc.d/prepare/up': '/etc/s6-overlay/scripts/prepare\n',
  'etc/s6-overlay/scripts/prepare':
    '#!/command/with-contenv sh\ns6-mkdir -p -m 750 /run/app/data\ns6-test -d /run/app/data && s6-echo -s : prepared "$GREETING"\n',
  'etc/s6-overlay/s6-rc.d/daemon/type': 'longrun\n',
  'etc/s6-overlay/s6-rc.d/daemon/dependencies.d/prepare': '',
  'etc/s6-overlay/s6-rc.d/daemon/run':
    '#!/command/with-contenv sh\ns6-envuidgid nobody sh -c \'echo "daemon as $UID:$GID"\'\nexec s6-setuidgid nobody s6-pause\n',
  'etc/cont-init.d/10-check':
    '#!/command/with-contenv sh\nif s6-test -v GREETING -a "$GREETING" = hello; then s6-echo cont-init: greeting seen; fi\n',
  'etc/services.d/legacy/run': '#!/bin/sh\ns6-echo legacy: up\nexec s6-sleep 1000\n',
  'etc/services.d/legacy/finish': '#!/bin/sh\ns6-echo "legacy: finish $1"\n',
};

const CMD = [
  'sh',
  '-c',
  's6-svwait -u /run/service/daemon && s6-svstat -o up /run/service/daemon && ' +
    's6-svc -k /run/service/daemon && s6-svwait -u /run/service/daemon && s6-svdt /run/service/daemon | sed "s/^@[0-9a-f]* /@T /"; ' +
    'echo CMD done',
];

/** An s6-rc tree as real s6-overlay images write it: execline run scripts, oneshot `up` blocks, an execline logger. */
const EXECLINE_TREE: Record<string, string> = {
  'etc/s6-overlay/s6-rc.d/user/type': 'bundle\n',
  'etc/s6-overlay/s6-rc.d/user/contents.d/init-app': '',
  'etc/s6-overlay/s6-rc.d/user/contents.d/app': '',
  'etc/s6-overlay/s6-rc.d/user/contents.d/app-log': '',
  'etc/s6-overlay/s6-rc.d/init-app/type': 'oneshot\n',
  'etc/s6-overlay/s6-rc.d/init-app/up':
    'if { s6-mkdir -p /run/app }\n' +
    'foreground { redirfd -w 1 /dev/null s6-echo this line goes nowhere }\n' +
    'if { redirfd -w 1 /run/app/flag s6-echo init-app done }\n' +
    's6-chown -u 911 -g 911 /run/app\n',
  'etc/s6-overlay/s6-rc.d/app/type': 'longrun\n',
  'etc/s6-overlay/s6-rc.d/app/dependencies.d/init-app': '',
  'etc/s6-overlay/s6-rc.d/app/producer-for': 'app-log\n',
  'etc/s6-overlay/s6-rc.d/app/run':
    '#!/command/execlineb -P\n' +
    '# as linuxserver images write it\n' +
    'with-contenv\n' +
    's6-setuidgid abc\n' +
    'fdmove -c 2 1\n' +
    'importas -i GREETING GREETING\n' +
    'foreground { s6-echo app: starting with $GREETING }\n' +
    'exec sh -c "echo app: running as uid $(id -u) gid $(id -g); cat /run/app/flag; echo app: to stderr >&2; exec sleep 1000"\n',
  'etc/s6-overlay/s6-rc.d/app-log/type': 'longrun\n',
  'etc/s6-overlay/s6-rc.d/app-log/consumer-for': 'app\n',
  'etc/s6-overlay/s6-rc.d/app-log/pipeline-name': 'app-pipeline\n',
  'etc/s6-overlay/s6-rc.d/app-log/run':
    '#!/command/execlineb -P\nif { s6-mkdir -p /run/log/app }\nexec s6-log -b n3 s100000 /run/log/app\n',
  'etc/cont-init.d/10-env': '#!/command/with-contenv sh\necho "cont-init: GREETING=$GREETING"\n',
  'etc/services.d/legacy/run':
    '#!/usr/bin/execlineb -P\nwith-contenv\nimportas -u GREETING GREETING\nforeground { s6-echo legacy: $GREETING }\ns6-pause\n',
};

/** What a user of that image does: wait for the services, look at them and at the logger's file, then stop with code 3. */
const EXECLINE_CMD = [
  'sh',
  '-c',
  's6-svwait -u -t 30000 /run/service/app /run/service/app-log /run/service/legacy && ' +
    'for s in app app-log legacy; do echo "$s: $(s6-svstat -o up /run/service/$s)"; done; ' +
    'echo "flag: $(cat /run/app/flag)"; ' +
    'timeout 30 sh -c "until grep -q stderr /run/log/app/current; do sleep 0.1; done"; ' +
    'sed "s/^/log: /" /run/log/app/current; exit 3',
];

function buildRoot(tree: Record<string, string>): string {
  const root = makeRootfs(TOOLS, { [nuwaBinary()]: '/init' });
  fs.chmodSync(root, 0o755); // services run as nobody
  fs.cpSync(path.join(ROOT, 'rootfs/usr/lib/nuwa'), path.join(root, 'usr/lib/nuwa'), { recursive: true });
  fs.writeFileSync(
    path.join(root, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\nabc:x:911:911::/config:/bin/false\n',
  );
  fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\nabc:x:911:\n');
  for (const [file, content] of Object.entries(tree)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content, { mode: content.startsWith('#!') ? 0o755 : 0o644 });
  }
  for (const dir of ['bin', 'sbin', 'lib', 'lib64', 'usr/bin', 'usr/sbin']) fs.mkdirSync(path.join(root, dir), { recursive: true });
  return root;
}

/** `nuwa init ARGS` as PID 1 in the root (chroot), with /proc, /dev and a fresh /run; output and exit code. */
async function bootIn(root: string, args: string[]): Promise<{ code: number | null; output: string }> {
  const script = [
    'set -e',
    'exec 2>&1',
    'mount --make-rprivate /',
    `mount --rbind /dev "${root}/dev"`,
    `mount -t proc proc "${root}/proc"`,
    `mount -t tmpfs tmpfs "${root}/run"`,
    `exec chroot "${root}" /init "$@"`,
  ].join('\n');
  const child = spawnInPidNamespace(['sh', '-c', script, 'sh', ...args], {
    PATH: '/command:/usr/sbin:/usr/bin:/sbin:/bin',
    GREETING: 'hello',
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, output };
}

/** The root with TREE and the base image's install-symlinks run in it, checked free of skarnet libraries and linked to nuwa. */
function installedRoot(t: ExecutionContext, tree: Record<string, string>, names: string[]): string {
  const chroot = requireCommand('chroot', 'coreutils');
  const root = buildRoot(tree);
  const install = spawnSync(chroot, [root, '/usr/lib/nuwa/install-symlinks'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
  t.is(install.status, 0, `${install.stderr} ${String(install.error)}`);
  const skarnet = spawnSync('sh', ['-c', `find "${root}" -name 'libskarnet*' -o -name 'libs6*' -o -name 'libexecline*'`], {
    encoding: 'utf8',
  });
  t.is(skarnet.stdout, '', 'no skarnet library in the root');
  for (const name of names) t.is(fs.readlinkSync(path.join(root, 'command', name)), '../init', `/command/${name} is nuwa`);
  return root;
}

/** `--check` on the root's tree: no error, no warning (a missing program would be one). */
async function checkTree(t: ExecutionContext, root: string): Promise<void> {
  const check = await bootIn(root, ['--check']);
  t.is(check.code, 0, check.output);
  t.regex(check.output, /0 error\(s\), 0 warning\(s\)/);
}

test('a root with no s6, execline or skalibs boots a shell-scripted s6-overlay tree on nuwa alone', async (t) => {
  const names = ['s6-test', 's6-echo', 's6-mkdir', 's6-pause', 's6-svdt', 's6-envuidgid', 's6-supervise', 'with-contenv'];
  const root = installedRoot(t, TREE, names);
  await checkTree(t, root);
  const { code, output } = await bootIn(root, CMD);
  t.is(code, 0, output);
  for (const line of [
    /cont-init: greeting seen\n/,
    /prepared:hello\n/,
    /daemon as 65534:65534\n/,
    /legacy: up\n/,
    /^true$/m,
    /^@T signal SIGKILL$/m,
    /CMD done\n/,
  ]) {
    t.regex(output, line, output);
  }
});

test('the same root boots an s6-rc tree of execline run scripts, oneshot blocks and an execline s6-log logger', async (t) => {
  const names = ['execlineb', 'if', 'foreground', 'fdmove', 'importas', 'redirfd', 'exec', 's6-setuidgid', 's6-log', 's6-svstat'];
  const root = installedRoot(t, EXECLINE_TREE, names);
  t.is(fs.readlinkSync(path.join(root, 'usr/bin/execlineb')), '/command/execlineb', '#!/usr/bin/execlineb finds nuwa');
  await checkTree(t, root);
  const { code, output } = await bootIn(root, EXECLINE_CMD);
  t.is(code, 3, `the container exits with CMD's code\n${output}`);
  for (const line of [
    /^cont-init: GREETING=hello$/m,
    /^legacy: hello$/m,
    /^app: true$/m,
    /^app-log: true$/m,
    /^legacy: true$/m,
    /^flag: init-app done$/m,
    /^log: app: starting with hello$/m,
    /^log: app: running as uid 911 gid 911$/m,
    /^log: init-app done$/m,
    /^log: app: to stderr$/m,
    /^nuwa s6-rc: service app successfully stopped$/m,
    /^nuwa s6-rc: service app-log successfully stopped$/m,
  ]) {
    t.regex(output, line, output);
  }
  t.notRegex(output, /\b(error|warning|fatal|usage)\b/i, 'nothing failed on the way up or down');
  t.notRegex(output, /goes nowhere/, 'redirfd -w 1 /dev/null silenced the line');
  t.notRegex(output, /^app: (starting|running)/m, "the service's lines went to its logger, not to the container's output");
});
