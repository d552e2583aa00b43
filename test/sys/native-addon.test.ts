/**
 * The native addon is loaded only from a copy nobody else could have written (issue 18, item 1).
 *
 * dist/nuwa unpacks its addon under /run/nuwa, or, when that cannot be used (a non-root nuwa, a read-only /run), under
 * $TMPDIR/nuwa-<uid>: a name another account can take first, in a directory every account can write. Here a second
 * account (65534, nobody) plants that directory and a real shared object under the addon's name, whose constructor
 * creates a marker file: the marker proves whether it was ever loaded. nuwa runs as an account of its own (no entry
 * in /etc/passwd is needed) or as root with /run mounted read-only, and must refuse the plant with one line, run with
 * a copy of its own, and leave the planted files alone.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NUWA, nuwaBinary, requireCommand, ROOT, tempDir } from '../helpers';

const NUWA_UID = 47011; // nuwa's own account in these tests: nothing else on the machine runs as it
const OTHER_UID = 65534; // the account that plants

/** The name nuwa gives its unpacked copy: the first 16 hex digits of the addon's SHA-256, built into the executable. */
function addonName(): string {
  const bytes = fs.readFileSync(path.join(ROOT, 'dist/nuwa_native.node'));
  return `nuwa_native-${crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.node`;
}

interface Scene {
  /** TMPDIR for nuwa: mode 1777, as /tmp. */
  tmp: string;
  /** What the planted addon creates when it is loaded. */
  marker: string;
  /** The planted shared object (world-readable, for the other account to copy). */
  planted: string;
  name: string;
}

function scene(): Scene {
  requireCommand('gcc');
  requireCommand('setpriv', 'util-linux');
  nuwaBinary();
  const tmp = tempDir('nuwa-addon-');
  fs.chmodSync(tmp, 0o1777);
  const marker = path.join(tmp, 'PLANTED-ADDON-RAN');
  const source = path.join(tmp, 'planted.c');
  fs.writeFileSync(
    source,
    `#include <fcntl.h>\n#include <unistd.h>\n` +
      `__attribute__((constructor)) static void planted(void) {\n` +
      `  int fd = open(${JSON.stringify(marker)}, O_WRONLY | O_CREAT, 0666);\n  if (fd >= 0) close(fd);\n}\n`,
  );
  const planted = path.join(tmp, 'planted.so');
  spawnSync('gcc', ['-shared', '-fPIC', '-o', planted, source], { stdio: 'inherit' });
  fs.chmodSync(planted, 0o644);
  return { tmp, marker, planted, name: addonName() };
}

/** Runs `script` (sh) as the other account. */
function asOther(script: string): void {
  const run = spawnSync('setpriv', ['--reuid', String(OTHER_UID), '--regid', String(OTHER_UID), '--clear-groups', 'sh', '-c', script], {
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`as uid ${OTHER_UID}: ${script}: ${run.stderr}`);
}

/** `nuwa init --plain true`, as NUWA_UID (or as root, in a mount namespace whose /run is read-only), TMPDIR = tmp. */
function runNuwa(tmp: string, as: 'own account' | 'root, /run read-only' = 'own account'): { status: number | null; stderr: string } {
  const command =
    as === 'own account'
      ? ['setpriv', '--reuid', String(NUWA_UID), '--regid', String(NUWA_UID), '--clear-groups', NUWA, 'init', '--plain', 'true']
      : ['unshare', '-m', 'sh', '-c', 'mount -t tmpfs -o ro tmpfs /run && exec "$0" init --plain true', NUWA];
  const run = spawnSync(command[0] as string, command.slice(1), {
    env: { ...process.env, TMPDIR: tmp },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: run.status, stderr: run.stderr };
}

const leftovers = (tmp: string, uid: number) => fs.readdirSync(tmp).filter((f) => f.startsWith(`nuwa-${uid}-`));

function plantDirectory(s: Scene, uid: number): string {
  const dir = path.join(s.tmp, `nuwa-${uid}`);
  asOther(`mkdir -m 755 '${dir}' && cp '${s.planted}' '${dir}/${s.name}' && chmod 755 '${dir}/${s.name}'`);
  return dir;
}

test("a directory another account made first, as a non-root nuwa's fallback: refused in one line, nuwa runs with its own copy", (t) => {
  const s = scene();
  const dir = plantDirectory(s, NUWA_UID);
  const before = fs.readFileSync(path.join(dir, s.name));
  const run = runNuwa(s.tmp);
  t.is(run.status, 0, run.stderr);
  t.false(fs.existsSync(s.marker), 'the planted addon was loaded into nuwa');
  const lines = run.stderr.split('\n').filter(Boolean);
  t.is(lines.length, 1, run.stderr);
  t.regex(
    lines[0] ?? '',
    new RegExp(`^nuwa addon: warning: not using ${dir} for the native addon: owned by uid ${OTHER_UID}, not by uid ${NUWA_UID}`),
  );
  t.deepEqual(fs.readFileSync(path.join(dir, s.name)), before, "the other account's files are left as they were");
  t.deepEqual(leftovers(s.tmp, NUWA_UID), [], 'the copy made for this start only is removed');
});

test('as root with /run read-only: the planted $TMPDIR/nuwa-0 is refused too', (t) => {
  requireCommand('unshare', 'util-linux');
  const s = scene();
  const dir = plantDirectory(s, 0);
  const run = runNuwa(s.tmp, 'root, /run read-only');
  t.is(run.status, 0, run.stderr);
  t.false(fs.existsSync(s.marker), 'the planted addon was loaded into nuwa');
  t.regex(
    run.stderr,
    new RegExp(`^nuwa addon: warning: not using ${dir} for the native addon: owned by uid ${OTHER_UID}, not by uid 0`, 'm'),
  );
});

test('a directory of our own that other accounts can write in is refused, and so is a planted symlink', (t) => {
  const s = scene();
  const dir = path.join(s.tmp, `nuwa-${NUWA_UID}`);
  fs.mkdirSync(dir);
  fs.chownSync(dir, NUWA_UID, NUWA_UID);
  fs.chmodSync(dir, 0o777);
  asOther(`cp '${s.planted}' '${dir}/${s.name}'`);
  let run = runNuwa(s.tmp);
  t.is(run.status, 0, run.stderr);
  t.false(fs.existsSync(s.marker), 'the planted addon was loaded into nuwa');
  t.regex(run.stderr, new RegExp(`not using ${dir} for the native addon: mode 0777 lets other accounts write in it`));

  // the other account's own directory, behind a symlink with our name
  fs.rmSync(dir, { recursive: true });
  const theirs = path.join(s.tmp, 'theirs');
  asOther(`mkdir -m 755 '${theirs}' && cp '${s.planted}' '${theirs}/${s.name}' && ln -s '${theirs}' '${dir}'`);
  run = runNuwa(s.tmp);
  t.is(run.status, 0, run.stderr);
  t.false(fs.existsSync(s.marker), 'the planted addon was loaded through the symlink');
  t.regex(run.stderr, new RegExp(`not using ${dir} for the native addon: it is a symlink or not a directory`));
  t.deepEqual(leftovers(s.tmp, NUWA_UID), []);
});

test('our own copy: made private and whole, then reused as is; a damaged one is replaced', (t) => {
  const s = scene();
  const dir = path.join(s.tmp, `nuwa-${NUWA_UID}`);
  const file = path.join(dir, s.name);
  const addon = fs.readFileSync(path.join(ROOT, 'dist/nuwa_native.node'));

  let run = runNuwa(s.tmp);
  t.is(run.status, 0, run.stderr);
  t.is(run.stderr, '');
  const dirStat = fs.statSync(dir);
  t.is(dirStat.uid, NUWA_UID);
  t.is(dirStat.mode & 0o7777, 0o700);
  const fileStat = fs.statSync(file);
  t.is(fileStat.uid, NUWA_UID);
  t.is(fileStat.mode & 0o022, 0, 'nobody else may write the copy');
  t.deepEqual(fs.readFileSync(file), addon);
  t.deepEqual(fs.readdirSync(dir), [s.name], 'no temporary file is left beside it');

  run = runNuwa(s.tmp);
  t.is(run.status, 0, run.stderr);
  t.is(run.stderr, '', 'a good copy is loaded silently');
  t.is(fs.statSync(file).ino, fileStat.ino, 'and not written again');

  fs.chmodSync(file, 0o700);
  fs.writeFileSync(file, 'not an addon');
  run = runNuwa(s.tmp);
  t.is(run.status, 0, run.stderr);
  t.regex(run.stderr, new RegExp(`^nuwa addon: warning: replacing ${file}: its content is not this executable's addon$`, 'm'));
  t.deepEqual(fs.readFileSync(file), addon);
  t.deepEqual(fs.readdirSync(dir), [s.name]);
});
