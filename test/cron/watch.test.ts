/**
 * cron/watch.ts when inotify is used up. fs.inotify.max_user_instances counts every process of one uid (on a host
 * whose containers run as root without a user namespace, all of them share root's): another process holding them all
 * must not leave `nuwa cron` deaf to crontab changes. The test runs as an account of its own, so the hog it starts
 * takes nothing from the other tests.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requireCommand, tempDir, waitFor } from '../helpers';
import { startCron } from './start-cron';

/** A uid no other test uses, without a passwd entry (as `podman run --user 47122` would have). */
const ACCOUNT = 47122;
const PYTHON = '/usr/bin/python3'; // Debian's (scripts/apt-packages.txt): another account may not run a per-user install

function asAccount(): string[] {
  requireCommand('setpriv', 'util-linux');
  return ['setpriv', '--reuid', String(ACCOUNT), '--regid', String(ACCOUNT), '--clear-groups', '--pdeathsig', 'KILL'];
}

/** Takes every inotify instance ACCOUNT may have, and holds them until killed (or until the test's process ends). */
async function holdAllInotifyInstances() {
  if (!fs.existsSync(PYTHON)) throw new Error(`prerequisite missing: ${PYTHON} (apt-get install python3)`);
  const code =
    'import ctypes, sys\nlibc = ctypes.CDLL(None, use_errno=True)\nn = 0\nwhile libc.inotify_init1(0) >= 0: n += 1\n' +
    'print(f"held {n}", flush=True)\nsys.stdin.read()\n';
  const hog = spawn(asAccount()[0] as string, [...asAccount().slice(1), PYTHON, '-c', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  hog.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor('the inotify instances to be taken', () => /held \d+/.test(out) || hog.exitCode !== null);
  if (!/held \d+/.test(out)) throw new Error(`the hog did not start (exit ${hog.exitCode})`);
  return () => hog.kill('SIGKILL');
}

test('with its inotify instances used up, a changed crontab is still picked up (within a minute), and it says so', async (t) => {
  const dir = tempDir('nuwa-t-cron-noinotify-');
  fs.chmodSync(dir, 0o755);
  const crontab = path.join(dir, 'crontab');
  fs.writeFileSync(crontab, `* * * * * * echo one >> ${dir}/one\n`);
  fs.chownSync(dir, ACCOUNT, ACCOUNT);
  fs.chownSync(crontab, ACCOUNT, ACCOUNT);
  const release = await holdAllInotifyInstances();
  t.teardown(release);
  // HOME and TMPDIR as a container gives an account without a passwd entry (/ and a directory it may write in)
  const cron = startCron(['--state', path.join(dir, 'state'), crontab], { wrapper: asAccount(), env: { HOME: '/', TMPDIR: dir } });
  t.teardown(() => cron.stop('SIGKILL'));

  await waitFor('the first job', () => fs.existsSync(path.join(dir, 'one')));
  t.regex(cron.log(), /warning: cannot watch the crontabs \(.*\): they are checked for changes once a minute; SIGHUP reloads at once/);
  fs.writeFileSync(crontab, `* * * * * * echo two >> ${dir}/two\n`);
  await waitFor('the new job, after the check a minute later', () => fs.existsSync(path.join(dir, 'two')), { timeoutMs: 90_000 });
  t.regex(cron.log(), /reloaded \(a crontab changed\): 1 jobs/);
  t.is(await cron.stop(), 0);
});

test('an account without a passwd entry runs its own crontab, named by its uid', async (t) => {
  const dir = tempDir('nuwa-t-cron-nopasswd-');
  fs.chmodSync(dir, 0o755);
  const crontab = path.join(dir, 'crontab');
  fs.writeFileSync(crontab, `* * * * * * id -u >> ${dir}/ids\n`);
  fs.chownSync(dir, ACCOUNT, ACCOUNT);
  fs.chownSync(crontab, ACCOUNT, ACCOUNT);
  const env = { HOME: '/', TMPDIR: dir };
  const cron = startCron(['--no-watch', '--state', path.join(dir, 'state'), crontab], { wrapper: asAccount(), env });
  t.teardown(() => cron.stop('SIGKILL'));
  await waitFor('the job', () => fs.existsSync(path.join(dir, 'ids')) && fs.readFileSync(path.join(dir, 'ids'), 'utf8').includes('\n'));
  t.is(fs.readFileSync(path.join(dir, 'ids'), 'utf8').split('\n')[0], String(ACCOUNT));
  t.regex(cron.log(), new RegExp(`job crontab:1 started as ${ACCOUNT} \\(pid`));
  t.is(await cron.stop(), 0);
});
