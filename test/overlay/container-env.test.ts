/**
 * The container environment dump and how it is read back, checked against the real tools s6-overlay uses:
 * Debian's s6-envdir (with -f, -n, and as with-contenv's `s6-envdir -Lf`), execline's emptyenv, and the
 * `with-contenv` / `printcontenv` applets run against a private /run.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dumpEnvironment, overlayPath } from '../../supervisor/src/overlay/container-env';
import { applyEnvdir, readEnvdir } from '../../supervisor/src/wire/envdir';
import { nuwaBinary, requireCommand, tempDir } from '../helpers';

/** Tricky files: trailing blanks, several lines, empty (unsets), NUL (a newline), one final newline. */
const FILES: Record<string, Buffer> = {
  PLAIN: Buffer.from('value'),
  TRAILING: Buffer.from('a b  \t\n'),
  LINES: Buffer.from('line 1\nline 2\n\n'),
  EMPTY: Buffer.alloc(0),
  NUL: Buffer.from('x\0y'),
  NEWLINE: Buffer.from('v \n'),
};

function envOf(output: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of output.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

test('envdir reading matches Debian s6-envdir, option by option', (t) => {
  requireCommand('s6-envdir', 's6');
  const dir = tempDir('nuwa-envdir-');
  for (const [name, content] of Object.entries(FILES)) fs.writeFileSync(path.join(dir, name), content);
  const base = { EMPTY: 'was set', PATH: process.env.PATH ?? '/usr/bin:/bin' };
  for (const [flags, options] of [
    [[], {}],
    [['-f'], { full: true }],
    [['-n'], { verbatim: true }],
    [['-fn'], { full: true, verbatim: true }],
    [['-Lf'], { full: true }],
  ] as const) {
    const real = spawnSync('s6-envdir', [...flags, dir, 'env', '-0'], { env: base, encoding: 'utf8' });
    t.is(real.status, 0, real.stderr);
    t.deepEqual(applyEnvdir(base, readEnvdir(dir, options)), envOf(real.stdout), `s6-envdir ${flags.join(' ')}`);
  }
});

test('the dump round-trips: what with-contenv reads back is the environment that was dumped', (t) => {
  const dir = tempDir('nuwa-envdump-');
  const env = { PATH: '/command:/usr/bin:/bin', GREETING: 'hello world', MULTI: 'a\nb', SPACES: '  padded  ' };
  dumpEnvironment(path.join(dir, 'container_environment'), env);
  t.deepEqual(applyEnvdir({}, readEnvdir(path.join(dir, 'container_environment'), { full: true })), env);
  t.is(fs.statSync(path.join(dir, 'container_environment')).mode & 0o777, 0o755);
});

test("PATH gets /command, /usr/bin and /bin in front when missing, as s6-overlay's /init does", (t) => {
  t.is(overlayPath(undefined), '/command:/usr/bin:/bin');
  t.is(overlayPath('/opt/app/bin:/usr/bin'), '/command:/bin:/opt/app/bin:/usr/bin');
  t.is(overlayPath('/command:/usr/local/bin:/usr/bin:/bin'), '/command:/usr/local/bin:/usr/bin:/bin');
});

test('with-contenv gives exactly what `emptyenv -p s6-envdir -Lf` gives; printcontenv prints the dump', (t) => {
  // Debian keeps execline's programs out of PATH, in /usr/lib/execline/bin (see its README.Debian).
  const emptyenv = '/usr/lib/execline/bin/emptyenv';
  if (!fs.existsSync(emptyenv)) throw new Error(`prerequisite missing: ${emptyenv} (apt-get install execline; .ci/run installs it)`);
  requireCommand('unshare', 'util-linux');
  // A private /run (tmpfs in a new mount namespace), so the applets find /run/s6/container_environment there.
  const script = [
    'set -e',
    'mount -t tmpfs tmpfs /run',
    'mkdir -p /run/s6/container_environment && cd /run/s6/container_environment',
    "printf 'hello world' > GREETING; printf 'l1\\nl2\\n' > LINES; printf 'x  \\n' > TRAILING; : > EMPTYVAR",
    `echo "--real"; ${emptyenv} -p s6-envdir -Lf /run/s6/container_environment env -0`,
    `echo; echo "--nuwa"; "$NUWA" with-contenv env -0`,
    `echo; echo "--print"; "$NUWA" printcontenv GREETING; echo; "$NUWA" printcontenv NOPE || echo "exit $?"`,
  ].join('\n');
  const r = spawnSync('unshare', ['-m', 'sh', '-c', script], {
    env: { PATH: process.env.PATH, NUWA: nuwaBinary(), EMPTYVAR: 'removed by the empty file', OTHER: 'dropped' },
    encoding: 'utf8',
  });
  t.is(r.status, 0, r.stderr);
  const [, real = '', nuwa = '', printed = ''] = r.stdout.split(/^--(?:real|nuwa|print)\n/m);
  t.deepEqual(envOf(nuwa), envOf(real));
  t.deepEqual(Object.keys(envOf(nuwa)).sort(), ['GREETING', 'LINES', 'PATH', 'TRAILING']);
  t.is(envOf(nuwa).LINES, 'l1\nl2');
  t.is(printed, 'hello world\nexit 1\n');
});
