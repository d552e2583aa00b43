/**
 * cron/watch.ts, and nuwa cron as an account of no passwd entry. fs.inotify.max_user_instances counts every process of
 * one uid (on a host whose containers run as root without a user namespace, all of them share root's): its being used
 * up must not leave `nuwa cron` deaf to crontab changes.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requireCommand, tempDir, waitFor } from '../helpers';
import { startCron } from './start-cron';

/** A uid no other test uses, without a passwd entry (as `podman run --user 47122` would have). */
const ACCOUNT = 47122;

function asAccount(): string[] {
  requireCommand('setpriv', 'util-linux');
  return ['setpriv', '--reuid', String(ACCOUNT), '--regid', String(ACCOUNT), '--clear-groups', '--pdeathsig', 'KILL'];
}

/** Runs what follows in a user namespace of its own that allows no inotify instance (the rest of the machine keeps its). */
function withoutInotify(): string[] {
  requireCommand('unshare', 'util-linux');
  const script = 'echo 0 > /proc/sys/user/max_inotify_instances && exec "$@"';
  return ['setpriv', '--pdeathsig', 'KILL', 'unshare', '-U', '-r', 'sh', '-c', script, 'sh'];
}

test('with no inotify instance to be had, a changed crontab is still picked up (within a minute), and it says so', async (t) => {
  const dir = tempDir('nuwa-t-cron-noinotify-');
  const crontab = path.join(dir, 'crontab');
  fs.writeFileSync(crontab, `* * * * * * echo one >> ${dir}/one\n`);
  const cron = startCron(['--state', path.join(dir, 'state'), crontab], { wrapper: withoutInotify() });
  t.teardown(() => cron.stop('SIGKILL'));

  await waitFor('the first job', () => fs.existsSync(path.join(dir, 'one')));
  const reason = 'EMFILE: no inotify instance left for this uid (fs.inotify.max_user_instances), or no descriptor (ulimit -n)';
  const warning = `warning: cannot watch the crontabs (${reason}): they are checked for changes once a minute; SIGHUP reloads at once`;
  t.true(cron.log().includes(warning), cron.log());
  fs.writeFileSync(crontab, `* * * * * * echo two >> ${dir}/two\n`);
  await waitFor('the new job, after the check a minute later', () => fs.existsSync(path.join(dir, 'two')), { timeoutMs: 90_000 });
  t.regex(cron.log(), /reloaded \(a crontab changed\): 1 jobs/);
  t.is(await cron.stop(), 0);
});

test('a crontab whose folder does not exist yet: cron says so, keeps running, and picks it up once it appears', async (t) => {
  const dir = tempDir('nuwa-t-cron-later-');
  const crontab = path.join(dir, 'later', 'crontab');
  const cron = startCron(['--state', path.join(dir, 'state'), crontab]);
  t.teardown(() => cron.stop('SIGKILL'));
  await waitFor('the load summary', () => /0 jobs loaded/.test(cron.log()));
  t.regex(cron.log(), /not found/);
  fs.mkdirSync(path.dirname(crontab));
  fs.writeFileSync(crontab, `* * * * * * echo ran >> ${dir}/ran\n`);
  await waitFor('the job, after the check a minute later', () => fs.existsSync(path.join(dir, 'ran')), { timeoutMs: 90_000 });
  t.is(await cron.stop(), 0);
});

test('an account without a passwd entry runs its own crontab, named by its uid; a HOME it cannot enter means /', async (t) => {
  const dir = tempDir('nuwa-t-cron-nopasswd-');
  fs.chmodSync(dir, 0o755);
  const crontab = path.join(dir, 'crontab');
  const ids = path.join(dir, 'ids');
  fs.writeFileSync(crontab, `* * * * * * { id -u; pwd; } >> ${ids}\n`);
  fs.chownSync(dir, ACCOUNT, ACCOUNT);
  fs.chownSync(crontab, ACCOUNT, ACCOUNT);
  // an image's ENV HOME=/root under podman run --user: a folder of root's, mode 0700
  const home = path.join(dir, 'root-home');
  fs.mkdirSync(home, { mode: 0o700 });
  const env = { HOME: home, TMPDIR: dir };
  const cron = startCron(['--no-watch', '--state', path.join(dir, 'state'), crontab], { wrapper: asAccount(), env });
  t.teardown(() => cron.stop('SIGKILL'));
  await waitFor('the job', () => fs.existsSync(ids) && fs.readFileSync(ids, 'utf8').split('\n').length > 2);
  t.deepEqual(fs.readFileSync(ids, 'utf8').split('\n').slice(0, 2), [String(ACCOUNT), '/']);
  await waitFor('the log line naming the account', () => new RegExp(`job crontab:1 started as ${ACCOUNT} \\(pid`).test(cron.log()));
  t.notRegex(cron.log(), /could not start/);
  t.is(await cron.stop(), 0);
});
