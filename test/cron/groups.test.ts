/**
 * nuwa cron gives a job the supplementary groups /etc/group gives its user, as cron(8) does with initgroups(); the
 * root-side helper that sets them never sees the loader's variables from a crontab; without setpriv the job still
 * runs, and the missing groups are said once per job.
 *
 * setpriv reads /etc/group through NSS, so each test runs nuwa cron in a private mount namespace whose /etc/group is a
 * copy of the host's with one more group, nobody a member: the host's /etc is never edited. Tests run as root.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requireCommand, tempDir, waitFor } from '../helpers';
import { startCron } from './start-cron';

const NOBODY = 65534;

/**
 * A group with nobody as its member (nobody's primary group stays nogroup), in a copy of /etc/group; `wrapper` runs
 * nuwa cron in a private mount namespace where that copy is /etc/group (`extra`: more shell before the exec).
 */
function groupWithNobody(suffix: string, extra = ''): { name: string; gid: number; wrapper: string[] } {
  requireCommand('unshare', 'util-linux');
  const host = fs.readFileSync('/etc/group', 'utf8');
  const taken = new Set(host.split('\n').map((l) => Number(l.split(':')[2])));
  let gid = 47000;
  while (taken.has(gid)) gid++;
  const name = `nuwa-t-${suffix}`;
  const file = path.join(tempDir('nuwa-t-group-'), 'group');
  fs.writeFileSync(file, `${host.endsWith('\n') ? host : `${host}\n`}${name}:x:${gid}:nobody\n`, { mode: 0o644 });
  const script = `mount --bind "$0" /etc/group && ${extra ? `${extra} && ` : ''}exec "$@"`;
  return { name, gid, wrapper: ['unshare', '-m', '--', 'sh', '-c', script, file] };
}

/** A directory every job user can write to, with a system crontab in cron.d. */
function setup(prefix: string, crontab: (dir: string) => string): { dir: string; cronD: string } {
  const dir = tempDir(prefix);
  fs.chmodSync(dir, 0o777);
  const cronD = path.join(dir, 'cron.d');
  fs.mkdirSync(cronD);
  fs.writeFileSync(path.join(cronD, 'groups'), crontab(dir), { mode: 0o644 });
  return { dir, cronD };
}

const lines = (file: string) =>
  fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : [];
const gids = (line: string) => line.split(' ').map(Number);

test('a job gets the supplementary groups /etc/group gives its user, and reads a file only that group may read', async (t) => {
  requireCommand('setpriv', 'util-linux');
  const group = groupWithNobody('g');
  const { dir, cronD } = setup('nuwa-t-cron-groups-', (d) => `* * * * * * nobody id -G >> ${d}/ids; cat ${d}/secret >> ${d}/read\n`);
  const secret = path.join(dir, 'secret');
  fs.writeFileSync(secret, 'for the group only\n');
  fs.chownSync(secret, 0, group.gid);
  fs.chmodSync(secret, 0o640);
  const cron = startCron(['--no-watch', '--state', path.join(dir, 'state'), '--system', cronD], { wrapper: group.wrapper });
  t.teardown(() => cron.stop('SIGKILL'));
  await waitFor('two runs', () => lines(path.join(dir, 'ids')).length >= 2);
  const ids = gids(lines(path.join(dir, 'ids'))[0] as string);
  t.is(ids[0], NOBODY, 'the primary group comes first');
  t.true(ids.includes(group.gid), `id -G shows ${group.name} (${group.gid}): ${ids.join(' ')}`);
  t.is(lines(path.join(dir, 'read'))[0], 'for the group only');
  t.regex(cron.log(), /job groups:1 started as nobody \(pid \d+\)/);
  t.notRegex(cron.log(), /supplementary groups|Permission denied/);
  t.is(await cron.stop(), 0);
});

test('the loader variables of a crontab reach the job, never the root-side setpriv', async (t) => {
  requireCommand('setpriv', 'util-linux');
  const group = groupWithNobody('e');
  const { dir, cronD } = setup(
    'nuwa-t-cron-groups-env-',
    (d) => `LD_DEBUG=files
LD_DEBUG_OUTPUT=${d}/ld/trace
TMPDIR=/var/tmp
SECRET=kept
* * * * * * nobody echo "$(id -G)|$LD_DEBUG|$TMPDIR|$SECRET" >> ${d}/out
`,
  );
  fs.mkdirSync(path.join(dir, 'ld'), { mode: 0o777 });
  fs.chmodSync(path.join(dir, 'ld'), 0o777);
  const cron = startCron(['--no-watch', '--state', path.join(dir, 'state'), '--system', cronD], { wrapper: group.wrapper });
  t.teardown(() => cron.stop('SIGKILL'));
  await waitFor('two runs', () => lines(path.join(dir, 'out')).length >= 2);
  const [ids, ...rest] = (lines(path.join(dir, 'out'))[0] as string).split('|');
  t.true(gids(ids as string).includes(group.gid), `id -G shows ${group.gid}: ${ids}`);
  t.deepEqual(rest, ['files', '/var/tmp', 'kept']);
  t.is(await cron.stop(), 0);
  // ld.so wrote a trace for every process that had LD_DEBUG: the job's, as nobody; none for setpriv, as root.
  const traces = fs.readdirSync(path.join(dir, 'ld')).map((f) => path.join(dir, 'ld', f));
  t.true(traces.length > 0, 'the job had LD_DEBUG');
  for (const trace of traces) {
    t.is(fs.statSync(trace).uid, NOBODY, `${trace} was written by the job, not by a root process`);
    t.notRegex(fs.readFileSync(trace, 'utf8'), /setpriv/);
  }
});

test('without setpriv a job runs with its primary group only, and says so once', async (t) => {
  requireCommand('setpriv', 'util-linux');
  // In the private mount namespace, /dev/null also hides setpriv: the image "has no util-linux".
  const setpriv = fs.realpathSync(requireCommand('setpriv'));
  const group = groupWithNobody('n', `mount --bind /dev/null ${setpriv}`);
  const { dir, cronD } = setup('nuwa-t-cron-groups-none-', (d) => `* * * * * * nobody id -G >> ${d}/ids\n`);
  const cron = startCron(['--no-watch', '--state', path.join(dir, 'state'), '--system', cronD], { wrapper: group.wrapper });
  t.teardown(() => cron.stop('SIGKILL'));
  await waitFor('three runs', () => lines(path.join(dir, 'ids')).length >= 3);
  t.deepEqual(lines(path.join(dir, 'ids')).slice(0, 3), [`${NOBODY}`, `${NOBODY}`, `${NOBODY}`]);
  const warnings = [
    ...cron
      .log()
      .matchAll(
        /warning: job groups:1 runs as nobody without its supplementary groups \(gid ([\d, ]+)\): setpriv \(util-linux\) is not installed/g,
      ),
  ];
  t.is(warnings.length, 1, cron.log());
  t.true(warnings[0]?.[1]?.split(', ').includes(String(group.gid)), cron.log());
  t.is(await cron.stop(), 0);
});
