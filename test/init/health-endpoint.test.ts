/**
 * PID 1's readiness endpoint (NUWA_HEALTH_ADDRESS) in scan-dir mode, nuwa as a real PID 1: /readyz follows the tree
 * as `nuwa health` does (not ready → 503 naming the service, ready → 200, `svc -d` stops counting, a crash loop
 * counts), /livez answers from the scanner; a client that sends nothing delays neither another client nor a restart
 * and is cut off; 1,000 malformed requests leave PID 1 up with the descriptors it had; an address that cannot be
 * used costs one warning, not the boot.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { tempDir, waitFor } from '../helpers';
import { freePort, httpGet, rawExchange } from '../helpers/http';
import { runAsPid1, type Pid1Run } from '../helpers/pid1';
import { run, waitUp, writeService } from '../helpers/s6';

interface Report {
  healthy: boolean;
  services: Array<{ service: string; state: string; wantedUp: boolean; against?: string }>;
}

async function ready(port: number): Promise<{ status: number; report: Report }> {
  const { status, body } = await httpGet(port, '/readyz');
  return { status, report: JSON.parse(body) as Report };
}

async function stopPid1(pid1: Pid1Run): Promise<string> {
  process.kill(await pid1.hostPid(), 'SIGTERM');
  const { code, stdout, stderr } = await pid1.finished;
  if (code !== 0) throw new Error(`nuwa init exited ${code}: ${stdout}${stderr}`);
  return stdout + stderr;
}

function fdCount(pid: number): number {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

/** How many accepted TCP connections on `port` PID 1 still holds (its sockets in /proc/net/tcp that do not listen). */
function acceptedConnections(pid: number, port: number): number {
  const inodes = new Set(
    fs.readdirSync(`/proc/${pid}/fd`).flatMap((fd) => /^socket:\[(\d+)\]$/.exec(safeReadlink(`/proc/${pid}/fd/${fd}`))?.slice(1) ?? []),
  );
  const local = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return fs
    .readFileSync(`/proc/${pid}/net/tcp`, 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[1]?.endsWith(local) && f[3] !== '0A' && inodes.has(f[9] ?? '')).length;
}

function safeReadlink(file: string): string {
  try {
    return fs.readlinkSync(file);
  } catch {
    return ''; // closed meanwhile
  }
}

test('readyz: not ready is 503 naming it, ready is 200, svc -d stops counting, a crash loop counts; livez; 404', async (t) => {
  const scandir = tempDir('nuwa-w16-ep-');
  const gate = path.join(scandir, '.gate');
  writeService(path.join(scandir, 'web'), {
    run: `while [ ! -e ${gate} ]; do sleep 0.05; done\necho >&3\nexec sleep 1000`,
    files: { 'notification-fd': '3\n' },
  });
  writeService(path.join(scandir, 'cron'), { run: 'exec sleep 1000' });
  const port = await freePort();
  const pid1 = runAsPid1([], { NUWA_SCANDIR: scandir, NUWA_HEALTH_ADDRESS: `127.0.0.1:${port}` });

  await waitUp(path.join(scandir, 'web'), true);
  const notReady = await waitFor('a 503 from /readyz', async () => {
    const answer = await ready(port);
    return answer.status === 503 && answer.report.services.length === 2 ? answer : undefined;
  });
  t.regex(notReady.report.services.find((s) => s.service === 'web')?.against ?? '', /not ready/);
  t.is(notReady.report.services.find((s) => s.service === 'cron')?.against, undefined);

  fs.writeFileSync(gate, '');
  await waitFor('/readyz 200 once web is ready', async () => (await ready(port)).status === 200);

  run('s6-svc', ['-d', path.join(scandir, 'cron')]);
  await waitUp(path.join(scandir, 'cron'), false);
  const downOnPurpose = await ready(port);
  t.is(downOnPurpose.status, 200, 'a service not wanted up does not count');
  t.like(
    downOnPurpose.report.services.find((s) => s.service === 'cron'),
    { state: 'down', wantedUp: false },
  );

  writeService(path.join(scandir, 'crashy'), { run: 'exit 3' });
  run('s6-svscanctl', ['-a', scandir]);
  const crashing = await waitFor('crashy counted against', async () => {
    const answer = await ready(port);
    return /wanted up/.test(answer.report.services.find((s) => s.service === 'crashy')?.against ?? '') ? answer : undefined;
  });
  t.is(crashing.status, 503);

  const live = await httpGet(port, '/livez');
  t.is(live.status, 200, 'the scanner is alive, whatever the services do');
  t.deepEqual(JSON.parse(live.body), { live: true, why: 'the scanner is listening' });
  t.is((await httpGet(port, '/metrics')).status, 404);
  t.regex(await rawExchange(port, 'POST /readyz HTTP/1.1\r\nHost: x\r\n\r\n'), /^HTTP\/1\.1 405 /);
  t.regex(await rawExchange(port, 'GET /readyz?verbose=1 HTTP/1.0\r\n\r\n'), /^HTTP\/1\.1 503 [^]*"crashy"/);
  await stopPid1(pid1);
});

test('a client that sends nothing delays neither /readyz for another client nor a restart, and is cut off', async (t) => {
  const scandir = tempDir('nuwa-w16-ep-');
  const starts = path.join(scandir, '.starts');
  writeService(path.join(scandir, 'crashy'), { run: `echo start >> ${starts}\nexit 1` });
  const port = await freePort();
  const pid1 = runAsPid1([], { NUWA_SCANDIR: scandir, NUWA_HEALTH_ADDRESS: `127.0.0.1:${port}` });
  await waitFor('the endpoint', () => httpGet(port, '/livez'));
  const startsNow = (): number => (fs.existsSync(starts) ? fs.readFileSync(starts, 'utf8').split('\n').length - 1 : 0);

  const slow = net.connect({ host: '127.0.0.1', port });
  let closedByServer = false;
  slow.on('close', () => (closedByServer = true));
  slow.on('error', () => undefined);
  await new Promise((resolve) => slow.once('connect', resolve));
  const before = startsNow();
  const other = await ready(port);
  t.is(other.status, 503, 'another client is answered while the first one says nothing');
  t.regex(other.report.services[0]?.against ?? '', /wanted up/);
  await waitFor('crashy restarted twice while the silent client is connected', () => startsNow() >= before + 2);
  t.false(closedByServer, 'still within the read timeout');
  await waitFor('the silent client cut off by the read timeout', () => closedByServer);
  await stopPid1(pid1);
});

test('1,000 malformed requests leave PID 1 up, answering, with the descriptors it had', async (t) => {
  const scandir = tempDir('nuwa-w16-ep-');
  writeService(path.join(scandir, 'web'), { run: 'exec sleep 1000' });
  const port = await freePort();
  const pid1 = runAsPid1([], { NUWA_SCANDIR: scandir, NUWA_HEALTH_ADDRESS: `127.0.0.1:${port}` });
  const pid = await pid1.hostPid();
  await waitFor('/readyz 200', async () => (await ready(port)).status === 200);
  // The baseline is taken once PID 1 has closed its side of that request's connection.
  await waitFor('no connection open in PID 1', () => acceptedConnections(pid, port) === 0);
  const fds = fdCount(pid);

  const malformed: Array<[string, RegExp, boolean?]> = [
    ['garbage\r\n\r\n', /^HTTP\/1\.1 400 /],
    ['GET /readyz\r\n\r\n', /^HTTP\/1\.1 400 /],
    ['\x00\xff\xfe GET / HTTP/1.1\r\n\r\n', /^HTTP\/1\.1 400 /],
    [`GET /${'a'.repeat(9000)} HTTP/1.1\r\n`, /^HTTP\/1\.1 431 /],
    ['GET /readyz HTTP/1.1\r\nHost: x\r\n', /^$/, true], // the client gives up half-way: no answer, closed
    ['GET ../../etc/passwd HTTP/1.1\r\n\r\n', /^HTTP\/1\.1 404 /],
  ];
  for (let i = 0; i < 1000; i++) {
    const [bytes, expected, end] = malformed[i % malformed.length] as [string, RegExp, boolean?];
    const answer = await rawExchange(port, bytes, { end });
    if (!expected.test(answer)) t.fail(`request ${i} (${JSON.stringify(bytes.slice(0, 30))}) got ${JSON.stringify(answer.slice(0, 80))}`);
  }
  await waitFor(`PID 1 back to its ${fds} descriptors`, () => fdCount(pid) === fds);
  t.is((await ready(port)).status, 200);
  await stopPid1(pid1);
  t.pass();
});

test('an address that cannot be used: one warning, and PID 1 supervises and runs CMD without the endpoint', async (t) => {
  const scandir = tempDir('nuwa-w16-ep-');
  writeService(path.join(scandir, 'web'), { run: 'exec sleep 1000' });
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const taken = (holder.address() as net.AddressInfo).port;
  try {
    for (const [address, warning] of [
      [`127.0.0.1:${taken}`, `NUWA_HEALTH_ADDRESS=127.0.0.1:${taken}: cannot listen (address already in use); no health endpoint`],
      ['localhost', 'NUWA_HEALTH_ADDRESS=localhost: not HOST:PORT with a port from 1 to 65535 (e.g. 0.0.0.0:9000); no health endpoint'],
      ['0.0.0.0:70000', 'NUWA_HEALTH_ADDRESS=0.0.0.0:70000: not HOST:PORT'],
    ] as const) {
      const pid1 = runAsPid1(['sh', '-c', `s6-svwait -u ${scandir}/web && sleep 0.5 && echo booted`], {
        NUWA_SCANDIR: scandir,
        NUWA_HEALTH_ADDRESS: address,
      });
      const { code, stdout, stderr } = await pid1.finished;
      const output = stdout + stderr;
      t.is(code, 0, output);
      t.regex(output, /booted/);
      t.is(output.split('\n').filter((line) => line.includes('NUWA_HEALTH_ADDRESS')).length, 1, output);
      t.true(output.includes(warning), output);
    }
  } finally {
    holder.close();
  }
});
