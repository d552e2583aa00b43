/**
 * Services' output to a real rsyslogd (foreground, test config): over its unix datagram socket, UDP and TCP, with the
 * service's name as tag and severities from `<N>` prefixes; and a syslogd that comes up after the logger.
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, tempDir, waitFor } from '../helpers';
import { startRsyslog, type Message } from './rsyslog';

function logThrough(env: NodeJS.ProcessEnv, script: string[], input: string, cwd = tempDir('nuwa-t-log-sl-')) {
  const r = spawnSync(nuwaBinary(), ['log', ...script], { input, cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nuwa log exited ${r.status}: ${r.stderr}`);
  return r;
}

const strip = (m: Message) => ({ ...m, tag: m.tag.replace(/\[\d+\]:$/, '') });

test("a service's lines reach rsyslog over /dev/log-style unix socket, tagged, with their severities", async (t) => {
  const syslog = await startRsyslog();
  t.teardown(() => syslog.stop());
  // `@` alone: the tag is the service's name, from the log/run's working directory <service>/log.
  const serviceLog = path.join(tempDir('nuwa-t-log-sl-'), 'webapp', 'log');
  fs.mkdirSync(serviceLog, { recursive: true });
  logThrough({ NUWA_SYSLOG: `unix:${syslog.socket}` }, ['@', './main'], '<3>database unreachable\nGET / 200\n<7>cache miss\n', serviceLog);
  logThrough(
    { NUWA_SYSLOG: syslog.socket, NUWA_SYSLOG_FACILITY: 'local3' },
    ['-', '+^audit', '@auditor'],
    'audit: login\nnot for syslog\n',
  );
  await waitFor('4 messages in rsyslog', () => syslog.messages().length >= 4);
  t.deepEqual(syslog.messages().map(strip), [
    { tag: 'webapp', severity: 'err', facility: 'user', message: 'database unreachable' },
    { tag: 'webapp', severity: 'info', facility: 'user', message: 'GET / 200' },
    { tag: 'webapp', severity: 'debug', facility: 'user', message: 'cache miss' },
    { tag: 'auditor', severity: 'info', facility: 'local3', message: 'audit: login' },
  ]);
  // The same lines also went to the logdir, with their prefixes untouched.
  t.is(fs.readFileSync(path.join(serviceLog, 'main', 'current'), 'utf8'), '<3>database unreachable\nGET / 200\n<7>cache miss\n');
});

test('UDP and TCP targets', async (t) => {
  const syslog = await startRsyslog();
  t.teardown(() => syslog.stop());
  logThrough({ NUWA_SYSLOG: `udp://127.0.0.1:${syslog.udpPort}` }, ['@viaudp'], 'over udp\n');
  logThrough({ NUWA_SYSLOG: `tcp://127.0.0.1:${syslog.tcpPort}` }, ['@viatcp'], '<4>over tcp 1\nover tcp 2\n');
  await waitFor('3 messages in rsyslog', () => syslog.messages().length >= 3);
  const got = syslog.messages().map(strip);
  t.deepEqual(
    got.sort((a, b) => a.message.localeCompare(b.message)),
    [
      { tag: 'viatcp', severity: 'warning', facility: 'user', message: 'over tcp 1' },
      { tag: 'viatcp', severity: 'info', facility: 'user', message: 'over tcp 2' },
      { tag: 'viaudp', severity: 'info', facility: 'user', message: 'over udp' },
    ],
  );
});

test('a syslogd that starts after the logger still gets the earlier lines, and the wait is said once', async (t) => {
  const dir = tempDir('nuwa-t-log-late-');
  const socket = path.join(dir, 'log.sock');
  const logger = spawn(nuwaBinary(), ['log', '@late'], { env: { ...process.env, NUWA_SYSLOG: socket }, stdio: ['pipe', 'ignore', 'pipe'] });
  t.teardown(() => logger.kill('SIGKILL')); // a failed wait must not leave it holding our pipes
  let stderr = '';
  logger.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => logger.once('exit', resolve));
  logger.stdin.write('early 1\nearly 2\n');
  await waitFor('the logger to say it cannot reach syslog', () => stderr.includes('cannot send'));
  const syslog = await startRsyslog(dir);
  t.teardown(() => syslog.stop());
  logger.stdin.end('late\n');
  t.is(await exited, 0, stderr);
  await waitFor('3 messages in rsyslog', () => syslog.messages().length >= 3);
  t.deepEqual(
    syslog.messages().map((m) => m.message),
    ['early 1', 'early 2', 'late'],
  );
  t.is(stderr.match(/cannot send/g)?.length, 1, stderr);
});

test('a bad NUWA_SYSLOG is refused in one line naming it', (t) => {
  const r = spawnSync(nuwaBinary(), ['log', '@x'], { input: '', env: { ...process.env, NUWA_SYSLOG: 'http://example' }, encoding: 'utf8' });
  t.is(r.status, 100);
  t.regex(
    r.stderr,
    /^nuwa log: @x: syslog target 'http:\/\/example': expected \/dev\/log, unix:\/path, udp:\/\/host\[:port\] or tcp:\/\/host\[:port\]\n$/,
  );
});
