/** logutil-service, s6-overlay's ready-made logger, as a real log/run would call it. */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, tempDir, waitFor } from '../helpers';
import { startRsyslog } from './rsyslog';

test('logutil-service: S6_LOGGING_SCRIPT into the logdir, as nobody', (t) => {
  const cwd = tempDir('nuwa-t-log-util-');
  fs.chmodSync(cwd, 0o777);
  const dir = path.join(cwd, 'logs');
  const r = spawnSync(nuwaBinary(), ['logutil-service', dir], {
    input: 'one\ntwo\n',
    env: { PATH: process.env.PATH, S6_LOGGING_SCRIPT: 'n2 s4096 t' },
    encoding: 'utf8',
  });
  t.is(r.status, 0, r.stderr);
  t.regex(fs.readFileSync(path.join(dir, 'current'), 'utf8'), /^@4[0-9a-f]{23} one\n@4[0-9a-f]{23} two\n$/);
  t.is(fs.statSync(path.join(dir, 'current')).uid, 65534, 'written by nobody');
});

test("logutil-service keeps NUWA_SYSLOG: `@` in S6_LOGGING_SCRIPT sends the service's lines to syslog, tagged", async (t) => {
  const syslogDir = tempDir('nuwa-t-log-util-sl-');
  fs.chmodSync(syslogDir, 0o755); // nobody must reach the socket
  const syslog = await startRsyslog(syslogDir);
  t.teardown(() => syslog.stop());
  const service = path.join(tempDir('nuwa-t-log-util-svc-'), 'shop');
  fs.mkdirSync(path.join(service, 'log'), { recursive: true });
  fs.chmodSync(path.dirname(service), 0o755);
  fs.chmodSync(service, 0o777);
  const r = spawnSync(nuwaBinary(), ['logutil-service', path.join(service, 'logs')], {
    cwd: path.join(service, 'log'),
    input: '<4>low stock\n',
    env: { PATH: process.env.PATH, S6_LOGGING_SCRIPT: '@ n2 s4096', NUWA_SYSLOG: syslog.socket, NUWA_SYSLOG_FACILITY: 'local1' },
    encoding: 'utf8',
  });
  t.is(r.status, 0, `${String(r.error ?? '')} signal ${r.signal}: ${r.stderr}`);
  await waitFor('the message in rsyslog', () => syslog.messages().length > 0);
  t.like(syslog.messages()[0], { severity: 'warning', facility: 'local1', message: 'low stock' });
  t.regex(syslog.messages()[0]?.tag ?? '', /^shop\[\d+\]:$/);
  t.is(fs.readFileSync(path.join(service, 'logs', 'current'), 'utf8'), '<4>low stock\n');
});
