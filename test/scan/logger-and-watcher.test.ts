/**
 * The scanner's own work: a logger pipe that survives restarts of either side without losing a line, services picked
 * up and dropped by the watcher (beyond s6) and by s6-svscanctl, and identity by (dev, ino).
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { killTree, nuwaBinary, requireCommand, tempDir, waitFor } from '../helpers';
import { readStatus } from '../../supervisor/src/wire/status';
import { run, s6svok, startScanner, svstatFields, waitUp, writeService } from '../helpers/s6';

test('logger pipe: lines wait in the pipe while the logger restarts, and survive producer restarts; -t drains the logger', async (t) => {
  const scandir = tempDir('nuwa-log-');
  const scratch = tempDir();
  const received = path.join(scratch, 'received');
  // Each producer instance writes "<pid> <n>" for n = 1, 2, 3 … (its progress also goes to a side file first).
  // The logger reads line by line (sh's read takes one byte at a time from a pipe, so it never swallows more than it
  // writes out); its first two instances exit by themselves after 25 lines, while the producer keeps writing.
  writeService(path.join(scandir, 'p'), {
    run: `n=0\nwhile :; do n=$((n+1)); echo $n > ${scratch}/count.$$; echo "$$ $n"; sleep 0.005; done`,
    log: [
      `echo x >> ${scratch}/logger-starts`,
      `limit=25; [ $(wc -l < ${scratch}/logger-starts) -gt 2 ] && limit=-1 # from the third start on, read until EOF`,
      `i=0\nwhile [ $i -ne $limit ] && IFS= read -r line; do echo "$line" >> ${received}; i=$((i+1)); done`,
    ].join('\n'),
  });
  const scanner = await startScanner('nuwa', scandir);
  try {
    const p = path.join(scandir, 'p');
    const lines = () => (fs.existsSync(received) ? fs.readFileSync(received, 'utf8').split('\n').filter(Boolean) : []);
    await waitFor('two logger restarts', () => readDeaths(path.join(p, 'log')) >= 2);
    t.is(run('s6-svc', ['-t', p]).status, 0); // the producer restarts (same pipe)
    await waitFor('the producer restarted', () => readDeaths(p) >= 1 && new Set(lines().map((l) => l.split(' ')[0])).size >= 2);
    t.is(run('s6-svscanctl', ['-t', scandir]).status, 0);
    await new Promise((resolve) => scanner.process.once('exit', resolve));
    const byInstance = new Map<string, number[]>();
    for (const line of lines()) {
      const [pid, n] = line.split(' ') as [string, string];
      byInstance.set(pid, [...(byInstance.get(pid) ?? []), Number(n)]);
    }
    t.true(byInstance.size >= 2);
    for (const [pid, seq] of byInstance) {
      // in order, none lost, none twice — across every logger restart
      t.deepEqual(
        seq,
        Array.from({ length: seq.length }, (_, i) => i + 1),
        `instance ${pid}`,
      );
      const wrote = Number(fs.readFileSync(path.join(scratch, `count.${pid}`), 'utf8'));
      t.true(seq.length >= wrote - 1, `instance ${pid}: received ${seq.length} of ${wrote}`); // a kill may fall between the two echos
    }
  } finally {
    await scanner.stop();
  }
});

function readDeaths(dir: string): number {
  try {
    return fs.statSync(path.join(dir, 'supervise/death_tally')).size / 14;
  } catch {
    return 0;
  }
}

test('watcher: a service dir added while running starts by itself; removed, it is stopped (no s6-svscanctl needed)', async (t) => {
  const scandir = tempDir('nuwa-watch-');
  writeService(path.join(scandir, 'first'), { run: 'exec sleep 1000' });
  const scanner = await startScanner('nuwa', scandir);
  try {
    await waitUp(path.join(scandir, 'first'), true);
    // build the new service elsewhere and move it in at once, as a deployment would
    const staged = path.join(tempDir(), 'second');
    writeService(staged, { run: 'exec sleep 1000' });
    fs.renameSync(staged, path.join(scandir, 'second'));
    await waitUp(path.join(scandir, 'second'), true);
    const pid = Number(svstatFields(path.join(scandir, 'second'), ['pid'])['pid']);
    fs.renameSync(path.join(scandir, 'second'), path.join(scandir, '.second-disabled'));
    await waitFor('second to be stopped', () => !s6svok(path.join(scandir, '.second-disabled')));
    t.false(fs.existsSync(`/proc/${pid}/cmdline`) && fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith('sleep'));
    t.is(svstatFields(path.join(scandir, 'first'), ['up'])['up'], 'true');
  } finally {
    await scanner.stop();
  }
});

test(
  'with the watcher off (NUWA_SCAN_WATCH=0), ' + 's6-svscanctl -a adds a (symlinked) service and -h stops a removed one, as in s6',
  async (t) => {
    const scandir = tempDir('nuwa-scanctl-');
    const outside = tempDir();
    writeService(path.join(scandir, 'a'), { run: 'exec sleep 1000' });
    const scanner = await startScanner('nuwa', scandir, { NUWA_SCAN_WATCH: '0' });
    try {
      await waitUp(path.join(scandir, 'a'), true);
      // a symlinked service dir (s6-overlay's /run/service entries are symlinks)
      writeService(path.join(outside, 'b'), { run: 'exec sleep 1000' });
      fs.symlinkSync(path.join(outside, 'b'), path.join(scandir, 'b'));
      await new Promise((resolve) => setTimeout(resolve, 300)); // not a wait for a condition: proof that nothing starts b by itself
      t.false(s6svok(path.join(outside, 'b')));
      t.is(run('s6-svscanctl', ['-a', scandir]).status, 0);
      await waitUp(path.join(scandir, 'b'), true);
      const pid = readStatus(path.join(outside, 'b')).pid; // before -h: once it is handled, the status says pid 0
      fs.unlinkSync(path.join(scandir, 'b'));
      t.is(run('s6-svscanctl', ['-h', scandir]).status, 0);
      await waitFor('b to be stopped', () => !s6svok(path.join(outside, 'b')));
      const status = readStatus(path.join(outside, 'b'));
      t.is(status.pid, 0);
      t.false(fs.existsSync(`/proc/${pid}/cmdline`) && fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith('sleep'));
    } finally {
      await scanner.stop();
    }
  },
);

test('a renamed service whose supervisor exits (s6-svc -dx) gets its next supervisor under the new name', async (t) => {
  const scandir = tempDir('nuwa-rename-');
  writeService(path.join(scandir, 'old'), { run: 'exec sleep 1000', log: 'exec cat > /dev/null' });
  const scanner = await startScanner('nuwa', scandir);
  try {
    await waitUp(path.join(scandir, 'old'), true);
    fs.renameSync(path.join(scandir, 'old'), path.join(scandir, 'new'));
    t.is(run('s6-svscanctl', ['-a', scandir]).status, 0);
    const renamed = path.join(scandir, 'new');
    await waitFor('the renamed service to answer', () => s6svok(renamed));
    // the supervisor exits once the service is down; the scanner starts a new one, which finds the dir by its new name
    // and starts the service again: a new process
    for (const dir of [renamed, path.join(renamed, 'log')]) {
      const before = svstatFields(dir, ['pid'])['pid'];
      t.is(run('s6-svc', ['-dx', dir]).status, 0);
      await waitFor(`a new supervisor to start ${dir} again`, () => {
        if (!s6svok(dir)) return false;
        const now = svstatFields(dir, ['up', 'pid']);
        return now['up'] === 'true' && now['pid'] !== before;
      });
    }
    t.notRegex(scanner.output(), /internal error/);
    t.is(scanner.process.exitCode, null);
  } finally {
    await scanner.stop();
  }
});

test('renaming a service dir restarts nothing (identity is dev/ino, as in s6)', async (t) => {
  const scandir = tempDir('nuwa-rename-');
  writeService(path.join(scandir, 'old'), { run: 'exec sleep 1000' });
  const scanner = await startScanner('nuwa', scandir);
  try {
    await waitUp(path.join(scandir, 'old'), true);
    const pid = svstatFields(path.join(scandir, 'old'), ['pid'])['pid'];
    fs.renameSync(path.join(scandir, 'old'), path.join(scandir, 'new'));
    t.is(run('s6-svscanctl', ['-a', scandir]).status, 0);
    // still supervised under its new name, same process; the control FIFO still answers
    await waitFor('the renamed service to answer', () => s6svok(path.join(scandir, 'new')));
    t.is(svstatFields(path.join(scandir, 'new'), ['pid'])['pid'], pid);
    t.is(run('s6-svc', ['-d', path.join(scandir, 'new')]).status, 0);
    await waitUp(path.join(scandir, 'new'), false);
  } finally {
    await scanner.stop();
  }
});

test(
  'a watcher that cannot be set up (no inotify instance left): ' +
    'one warning says so; services run, and the scan dir is read every 5 s instead: a new one starts by itself',
  async (t) => {
    requireCommand('unshare', 'util-linux');
    const scandir = tempDir('nuwa-nowatch-');
    writeService(path.join(scandir, 'a'), { run: 'exec sleep 1000' });
    // inotify limits are per user namespace: this one allows no instance at all, the rest of the machine is untouched
    const script = `echo 0 > /proc/sys/user/max_inotify_instances && exec "$0" svscan "$1"`;
    const scanner = spawn('setpriv', ['--pdeathsig', 'KILL', 'unshare', '-U', '-r', 'sh', '-c', script, nuwaBinary(), scandir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    scanner.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    t.teardown(() => killTree(scanner.pid as number));
    await waitUp(path.join(scandir, 'a'), true);
    await waitFor('the warning', () => stderr.includes('cannot watch'));
    const reason = 'EMFILE: no inotify instance left for this uid (fs.inotify.max_user_instances), or no descriptor (ulimit -n)';
    t.true(stderr.includes(`warning: cannot watch ${scandir} (${reason}): it is scanned every 5 s instead\n`), stderr);
    writeService(path.join(scandir, 'b'), { run: 'exec sleep 1000' });
    await waitUp(path.join(scandir, 'b'), true);
    scanner.kill('SIGTERM');
    await new Promise((resolve) => scanner.once('exit', resolve));
    t.is(stderr.match(/cannot watch/g)?.length, 1, stderr);
  },
);
