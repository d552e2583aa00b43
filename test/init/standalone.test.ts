/** dist/nuwa runs where no Node.js is installed: a chroot holding only it and the C libraries it links. */
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { nuwaBinary } from '../helpers';
import { makeRootfs } from '../helpers/minimal-image';

test('runs in a chroot holding only the executable and glibc, and dispatches on its name', (t) => {
  const root = makeRootfs([], { [nuwaBinary()]: '/nuwa' });
  fs.symlinkSync('nuwa', `${root}/init`);
  // What is in there: the executable, the dynamic loader and C/C++ runtime libraries — no node, no shell.
  const files = execFileSync('find', [root, '-type', 'f'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  t.false(files.some((f) => /\/node$|\/sh$|\/bash$/.test(f)), files.join('\n'));

  const version = spawnSync('chroot', [root, '/nuwa', '--version'], { encoding: 'utf8' });
  t.is(version.status, 0, version.stderr);
  t.regex(version.stdout, /^nuwa \d+\.\d+\.\d+/);

  // `init` through a symlink, running itself as the main program: the native addon unpacks into the chroot's /run.
  const init = spawnSync('chroot', [root, '/init', '/nuwa', '--version'], { encoding: 'utf8' });
  t.is(init.status, 0, init.stderr);
  t.regex(init.stdout, /^nuwa \d+/);
  t.true(fs.readdirSync(`${root}/run/nuwa`).some((f) => f.endsWith('.node')));
  fs.rmSync(root, { recursive: true, force: true });
});

test('--help lists the applets; an unknown applet is refused with exit 100', (t) => {
  const help = spawnSync(nuwaBinary(), ['--help'], { encoding: 'utf8' });
  t.is(help.status, 0);
  t.regex(help.stdout, /^ {2}init +PID 1/m);
  const unknown = spawnSync(nuwaBinary(), ['frobnicate'], { encoding: 'utf8' });
  t.is(unknown.status, 100);
  t.is(unknown.stderr, "nuwa: unknown applet 'frobnicate' (nuwa --help lists them)\n");
});
