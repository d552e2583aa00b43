/**
 * `nuwa health` on a real scanner (nuwa svscan): a service with notification-fd counts against health until it is
 * ready; a service brought down with s6-svc -d no longer counts (it is not wanted up); a crashing service in back-off
 * counts against; --live answers from the scanner's control FIFO alone.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, tempDir, waitFor } from '../helpers';
import { run, startScanner, waitUp, writeService } from '../helpers/s6';

interface Report {
  healthy: boolean;
  boot: string | null;
  services: Array<{ service: string; state: string; wantedUp: boolean; against?: string }>;
}

function health(args: string[]): { code: number | null; report: Report; stdout: string } {
  const r = spawnSync(nuwaBinary(), ['health', ...args], { encoding: 'utf8' });
  return { code: r.status, report: (args.includes('--json') ? JSON.parse(r.stdout) : {}) as Report, stdout: r.stdout };
}

test('health: not ready counts against, then ready is healthy; svc -d stops counting; a crash loop counts', async (t) => {
  const scandir = tempDir('nuwa-health-');
  const gate = path.join(scandir, '.gate');
  writeService(path.join(scandir, 'web'), {
    run: `while [ ! -e ${gate} ]; do sleep 0.05; done\necho >&3\nexec sleep 1000`,
    files: { 'notification-fd': '3\n' },
  });
  writeService(path.join(scandir, 'cron'), { run: 'exec sleep 1000' });
  const scanner = await startScanner('nuwa', scandir);
  try {
    await waitUp(path.join(scandir, 'cron'), true);
    await waitUp(path.join(scandir, 'web'), true);
    const notReady = health(['--json', scandir]);
    t.is(notReady.code, 1);
    t.false(notReady.report.healthy);
    t.regex(notReady.report.services.find((s) => s.service === 'web')?.against ?? '', /not ready/);
    t.is(notReady.report.services.find((s) => s.service === 'cron')?.against, undefined);
    t.regex(health([scandir]).stdout, /^unhealthy: web: up, not ready yet/);

    fs.writeFileSync(gate, '');
    await waitFor('web ready, health 0', () => health([scandir]).code === 0);
    t.regex(health([scandir]).stdout, /^healthy: 2 service\(s\)/);

    run('s6-svc', ['-d', path.join(scandir, 'cron')]);
    await waitUp(path.join(scandir, 'cron'), false);
    t.is(health([scandir]).code, 0, 'a service not wanted up does not count');

    writeService(path.join(scandir, 'crashy'), { run: 'exit 3' });
    run('s6-svscanctl', ['-a', scandir]);
    await waitFor('crashy counted against', () => /crashy: wanted up/.test(health([scandir]).stdout));
    t.is(health([scandir]).code, 1);

    t.is(health(['--live', scandir]).code, 0, 'the scanner is alive, whatever the services do');
  } finally {
    await scanner.stop();
  }
  const dead = health(['--live', '--json', scandir]);
  t.is(dead.code, 1);
  t.regex(dead.stdout, /"live":false/);
});
