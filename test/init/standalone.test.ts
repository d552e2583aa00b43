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

test("an image's NODE_OPTIONS is for its app: PID 1 never applies it, and the main program gets it as it was", async (t) => {
  const dir = tempDir();
  // a preload as an app's tracing setup would be: it records each process that loads it
  fs.writeFileSync(
    path.join(dir, 'preload.js'),
    `require('fs').appendFileSync(${JSON.stringify(path.join(dir, 'loads'))}, process.pid + '\\n');\n`,
  );
  // a V8 flag too: applied to nuwa, it would make V8 reject the executable's code cache (a warning at every start)
  const options = `--require ${path.join(dir, 'preload.js')} --max-old-space-size=100`;
  const init = runAsSubreaper(['sh', '-c', 'echo "NODE_OPTIONS=$NODE_OPTIONS"; exec sleep 30'], { NODE_OPTIONS: options });
  t.teardown(() => init.process.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  init.process.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  init.process.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor('the main program', () => stdout.includes('\n'));
  t.is(stdout, `NODE_OPTIONS=${options}\n`);
  // The executable ignores NODE_OPTIONS (built with execArgvExtension "none"): no process nuwa ran as loaded the
  // preload, and nothing was said about it
  t.false(fs.existsSync(path.join(dir, 'loads')), 'the preload ran inside nuwa');
  t.is(stderr, '');
  init.process.kill('SIGTERM');
  t.is((await init.finished).code, 143);
});
