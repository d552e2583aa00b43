/**
 * An image built on a base with no skarnet package at all (Rocky Linux has none): a root holding Debian's /bin/sh and
 * coreutils but no s6, execline or skalibs, with nuwa as /init and the base image's install-symlinks run in it. A
 * shell-scripted s6-overlay tree that calls the programs real scripts call (with-contenv, s6-setuidgid, s6-test,
 * s6-echo, s6-mkdir, s6-envuidgid, s6-svc, s6-svstat, s6-svdt, s6-pause…) passes --check and boots, as PID 1.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, requireCommand, ROOT } from '../helpers';
import { makeRootfs } from '../helpers/minimal-image';
import { spawnInPidNamespace } from '../helpers/pid1';

const TOOLS = ['/bin/sh', '/bin/sleep', '/bin/cat', '/bin/ls', '/bin/sed', '/bin/ln', '/bin/mkdir', '/usr/bin/timeout', '/usr/bin/id'];

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

function buildRoot(): string {
  const root = makeRootfs(TOOLS, { [nuwaBinary()]: '/init' });
  fs.chmodSync(root, 0o755); // services run as nobody
  fs.cpSync(path.join(ROOT, 'rootfs/usr/lib/nuwa'), path.join(root, 'usr/lib/nuwa'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n');
  fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  for (const [file, content] of Object.entries(TREE)) {
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

test('a root with no s6, execline or skalibs boots a shell-scripted s6-overlay tree on nuwa alone', async (t) => {
  const chroot = requireCommand('chroot', 'coreutils');
  const root = buildRoot();
  const install = spawnSync(chroot, [root, '/usr/lib/nuwa/install-symlinks'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
  t.is(install.status, 0, `${install.stderr} ${String(install.error)}`);
  const skarnet = spawnSync('sh', ['-c', `find "${root}" -name 'libskarnet*' -o -name 'libs6*' -o -name 'libexecline*'`], {
    encoding: 'utf8',
  });
  t.is(skarnet.stdout, '', 'no skarnet library in the root');
  for (const name of ['s6-test', 's6-echo', 's6-mkdir', 's6-pause', 's6-svdt', 's6-envuidgid', 's6-supervise', 'with-contenv']) {
    t.is(fs.readlinkSync(path.join(root, 'command', name)), '../init', `/command/${name} is nuwa`);
  }
  const check = await bootIn(root, ['--check']);
  t.is(check.code, 0, check.output);
  t.regex(check.output, /0 error\(s\), 0 warning\(s\)/);
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
