/** dist/nuwa runs where no Node.js is installed: a chroot holding only it and the C libraries it links. */
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, tempDir, waitFor } from '../helpers';
import { runAsSubreaper } from '../helpers/pid1';
import { makeRootfs } from '../helpers/minimal-image';

test('runs in a chroot holding only the executable and glibc, and dispatches on its name', (t) => {
  const root = makeRootfs([], { [nuwaBinary()]: '/nuwa' });
  fs.symlinkSync('nuwa', `${root}/init`);
  // What is in there: the executable, the dynamic loader and C/C++ runtime libraries — no node, no shell.
  const files = execFileSync('find', [root, '-type', 'f'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  t.false(
    files.some((f) => /\/node$|\/sh$|\/bash$/.test(f)),
    files.join('\n'),
  );

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

test("an image's NODE_OPTIONS is for its app: the running PID 1 is free of it, and the main program gets it as it was", async (t) => {
  const dir = tempDir();
  // a preload as an app's tracing setup would be: it records each process that loads it
  fs.writeFileSync(
    path.join(dir, 'preload.js'),
    `require('fs').appendFileSync(${JSON.stringify(path.join(dir, 'loads'))}, process.pid + '\\n');\n`,
  );
  const options = `--require ${path.join(dir, 'preload.js')} --max-old-space-size=100`;
  const init = runAsSubreaper(['sh', '-c', 'echo "NODE_OPTIONS=$NODE_OPTIONS"; exec sleep 30'], { NODE_OPTIONS: options });
  t.teardown(() => init.process.kill('SIGKILL'));
  let stdout = '';
  init.process.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  await waitFor('the main program', () => stdout.includes('\n'));
  t.is(stdout, `NODE_OPTIONS=${options}\n`);
  // A single executable applies NODE_OPTIONS at its start, before nuwa's code runs: nuwa then re-executes itself
  // without it, so the preload ran once, in that first start, and the process that stays PID 1 has none of it.
  t.is(fs.readFileSync(path.join(dir, 'loads'), 'utf8').split('\n').filter(Boolean).length, 1);
  const environ = fs.readFileSync(`/proc/${init.process.pid}/environ`, 'latin1').split('\0');
  t.false(
    environ.some((v) => v.startsWith('NODE_OPTIONS=')),
    "nuwa init runs without the app's NODE_OPTIONS",
  );
  init.process.kill('SIGTERM');
  t.is((await init.finished).code, 143);
});
