/**
 * The supervisor's own log, as nuwa cron writes it: plain lines by default, JSON lines on request, and forwarded to
 * a real rsyslogd (facility cron, tag nuwa, the right severities).
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, tempDir, waitFor } from '../helpers';
import { startRsyslog } from '../log/rsyslog';

function cronWith(env: NodeJS.ProcessEnv) {
  const dir = tempDir('nuwa-t-cron-sl-');
  const crontab = path.join(dir, 'crontab');
  fs.writeFileSync(crontab, '* * * * * * echo hello from the job; exit 2\n');
  const child = spawn(nuwaBinary(), ['cron', '--no-watch', '--state', path.join(dir, 'state'), crontab], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    stderr: () => stderr,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

test("NUWA_SYSLOG: cron's log reaches rsyslog with facility cron, tag nuwa and each line's severity", async (t) => {
  const syslog = await startRsyslog();
  t.teardown(() => syslog.stop());
  const cron = cronWith({ NUWA_SYSLOG: `unix:${syslog.socket}` });
  t.teardown(() => cron.stop()); // a failed wait must not leave it running with our pipe
  const has = (pattern: RegExp) => syslog.messages().some((m) => pattern.test(m.message));
  await waitFor('a job run in syslog', () => has(/^cron: job crontab:1 exited 2/));
  t.is(await cron.stop(), 0);
  const messages = syslog.messages().map((m) => ({ ...m, tag: m.tag.replace(/\[\d+\]:$/, '') }));
  const find = (pattern: RegExp) => messages.find((m) => pattern.test(m.message));
  t.like(find(/^cron: 1 jobs loaded/), { tag: 'nuwa', facility: 'cron', severity: 'info' });
  t.like(find(/^cron: job crontab:1 started as root/), { tag: 'nuwa', facility: 'cron', severity: 'info' });
  t.like(find(/^cron: crontab:1: hello from the job$/), { tag: 'nuwa', facility: 'cron', severity: 'info' });
  t.like(find(/^cron: job crontab:1 exited 2 after/), { tag: 'nuwa', facility: 'cron', severity: 'warning' });
  // The same lines still go to stderr (what `podman logs` shows).
  t.regex(cron.stderr(), /nuwa cron: warning: job crontab:1 exited 2 after/);
});

test('NUWA_LOG_FORMAT=json: one JSON object per line with time, level, component and message', async (t) => {
  const cron = cronWith({ NUWA_LOG_FORMAT: 'json' });
  t.teardown(() => cron.stop()); // a failed wait must not leave it running with our pipe
  await waitFor('a job run', () => cron.stderr().includes('exited 2'));
  t.is(await cron.stop(), 0);
  const entries = cron
    .stderr()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { level: string; component: string; message: string; timestamp: string });
  const exited = entries.find((e) => /^job crontab:1 exited 2/.test(e.message));
  t.like(exited, { level: 'warn', component: 'cron' });
  t.false(Number.isNaN(Date.parse(exited?.timestamp ?? '')), 'a timestamp');
  t.like(
    entries.find((e) => e.message === 'crontab:1: hello from the job'),
    { level: 'info', component: 'cron' },
  );
});

test('bad log settings are said once and the log falls back to plain lines', async (t) => {
  const cron = cronWith({ NUWA_LOG_FORMAT: 'yaml', NUWA_SYSLOG: 'carrier-pigeon://x' });
  t.teardown(() => cron.stop()); // a failed wait must not leave it running with our pipe
  await waitFor('cron started', () => cron.stderr().includes('jobs loaded'));
  t.is(await cron.stop(), 0);
  t.regex(cron.stderr(), /nuwa log: warning: NUWA_LOG_FORMAT=yaml: expected plain or json; using plain\n/);
  t.regex(cron.stderr(), /nuwa log: warning: NUWA_SYSLOG: syslog target 'carrier-pigeon:\/\/x': expected .*; not forwarding to syslog\n/);
  t.regex(cron.stderr(), /nuwa cron: 1 jobs loaded/);
});
