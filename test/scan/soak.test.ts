/**
 * Nothing leaks per restart: a service crash-looping 2,000 times under `nuwa svscan` leaves the scanner with the
 * descriptors it had after its first restarts. The service uses the per-start resources the supervisor opens: a
 * logger pipe, a notification-fd pipe, a finish script. (lock-fd is left out: its helper, a whole nuwa process per
 * start, makes 2,000 starts take minutes; its descriptor is closed in the same `finally` as the spawn.)
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir, waitFor } from '../helpers';
import { run, startScanner, waitUp, writeService } from '../helpers/s6';
import { readStatus } from '../../supervisor/src/wire/status';

const RESTARTS = 2000;

function openFds(pid: number): string[] {
  return fs.readdirSync(`/proc/${pid}/fd`).map((fd) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      return '(closed while listed)';
    }
  });
}

test(`${RESTARTS} crash-restarts of a logged service with readiness and finish: the scanner's descriptors do not grow`, async (t) => {
  const scandir = tempDir('nuwa-soak-');
  const starts = path.join(tempDir(), 'starts');
  const dir = writeService(path.join(scandir, 'crashy'), {
    run: `echo x >> ${starts}\necho "start $$"\necho >&3\nexit 1`,
    finish: 'exit 0',
    // restart at once however short the run (nuwa's back-off would otherwise space the deaths out)
    files: { 'notification-fd': '3\n', 'nuwa-restart-min-uptime': '0\n' },
    log: 'exec cat > /dev/null',
  });
  const count = () => (fs.existsSync(starts) ? fs.statSync(starts).size / 2 : 0);
  const scanner = await startScanner('nuwa', scandir);
  try {
    const pid = scanner.process.pid as number;
    // measure with the service down, so that no start is in flight (its pipes are the child's, not a leak)
    const settledFds = async () => {
      t.is(run('s6-svc', ['-d', dir]).status, 0);
      await waitUp(dir, false);
      await waitFor('finish to be over', () => !readStatus(dir).finishing);
      return openFds(pid);
    };
    await waitFor('the first restarts', () => count() >= 20, { timeoutMs: 60_000 });
    const before = await settledFds();
    t.is(run('s6-svc', ['-u', dir]).status, 0);
    const from = count();
    await waitFor(`${RESTARTS} more restarts`, () => count() >= from + RESTARTS, { timeoutMs: 10 * 60_000, intervalMs: 250 });
    const after = await settledFds();
    t.true(
      after.length <= before.length,
      `before (${before.length}): ${before.sort().join(' ')}\nafter (${after.length}): ${after.sort().join(' ')}`,
    );
    t.is(scanner.process.exitCode, null);
  } finally {
    await scanner.stop();
  }
});
