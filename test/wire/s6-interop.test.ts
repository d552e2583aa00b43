/**
 * The wire codec against Debian's real s6 (2.11): what nuwa reads from a real s6-supervise must be what s6-svstat,
 * s6-svdt and s6-svok report, what nuwa writes must be what the real tools read, and control bytes and events must
 * cross between the two unchanged.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { NotSupervisedError, parseControlBytes, sendControl } from '../../supervisor/src/wire/control';
import { deathTallyPath, packDeaths, readDeathTally } from '../../supervisor/src/wire/death-tally';
import { broadcast, listen, makeFifodir } from '../../supervisor/src/wire/fifodir';
import { acquireLock, isLocked, isSupervised } from '../../supervisor/src/wire/lock';
import { native } from '../../supervisor/src/sys/native';
import { isUp, packStatus, readStatus, statusPath, writeStatus, type SupervisorStatus } from '../../supervisor/src/wire/status';
import { formatTain, now } from '../../supervisor/src/wire/tai64n';
import { encodeWaitStatus, signalName } from '../../supervisor/src/sys/wait-status';
import { requireCommand, tempDir, waitFor } from '../helpers';
import { run, startScanner, svstatFields, waitUp, writeService } from '../helpers/s6';

const FIELDS = ['up', 'wantedup', 'normallyup', 'ready', 'paused', 'pid', 'exitcode', 'signal', 'updownsince', 'readysince'];

/** What s6-svstat -o would print for a status nuwa decoded (s6-svstat.c's field definitions). */
function expectedFields(s: SupervisorStatus, normallyUp: boolean): Record<string, string> {
  const up = isUp(s);
  const exited = (s.wstat & 0x7f) === 0;
  const signaled = !exited && (s.wstat & 0x7f) !== 0x7f;
  return {
    up: String(up),
    wantedup: String(s.wantUp),
    normallyup: String(normallyUp),
    ready: String(s.pid !== 0 && s.ready),
    paused: String(s.paused),
    pid: up ? String(s.pid) : '-1',
    exitcode: up || !exited ? '-1' : String((s.wstat >> 8) & 0xff),
    signal: up || !signaled ? 'NA' : signalName(s.wstat & 0x7f),
    updownsince: formatTain(s.stamp),
    readysince: formatTain(s.readyStamp),
  };
}

test.before(() => {
  for (const tool of ['s6-svscan', 's6-svstat', 's6-svc', 's6-svok', 's6-svdt', 's6-svwait']) requireCommand(tool, 's6');
});

test('nuwa reads what a real s6-supervise writes: lock, status, events, control, death tally', async (t) => {
  const scandir = tempDir('nuwa-wire-s6-');
  const svc = writeService(path.join(scandir, 'sleeper'), { run: 'exec sleep 1000' });
  const unsupervised = writeService(path.join(tempDir('nuwa-wire-free-'), 'free'), { run: 'exec sleep 1000' });
  t.teardown(() => fs.rmSync(path.dirname(unsupervised), { recursive: true, force: true }));
  const scanner = await startScanner('s6', scandir);
  t.teardown(async () => {
    await scanner.stop();
    fs.rmSync(scandir, { recursive: true, force: true });
  });
  await waitUp(svc, true);

  t.true(isSupervised(svc), 'the fcntl lock of a live s6-supervise is seen');
  t.false(isSupervised(unsupervised), 'a service dir without supervisor is not supervised');
  t.true(isLocked(path.join(scandir, '.s6-svscan', 'lock')), "s6-svscan's own lock is seen");

  const up = readStatus(svc);
  t.deepEqual(expectedFields(up, true), svstatFields(svc, FIELDS));
  t.true(isUp(up));
  t.deepEqual(packStatus(up), fs.readFileSync(statusPath(svc)), 'decode then encode gives back the same 35 bytes');

  // Events from the real supervisor reach nuwa's listener, in order; control letters from nuwa reach it.
  const listener = listen(path.join(svc, 'event'));
  t.teardown(() => listener.close());
  let events = '';
  listener.onEvents((letters) => (events += letters));
  sendControl(svc, 'd');
  await waitFor('dD after -d', () => events === 'dD');
  const down = readStatus(svc);
  t.false(isUp(down));
  t.false(down.wantUp);
  t.is(down.wstat, encodeWaitStatus({ code: null, signal: 15 }), 'killed by SIGTERM');
  t.deepEqual(expectedFields(down, true), svstatFields(svc, FIELDS));

  sendControl(svc, 'u');
  await waitFor('u after -u', () => events === 'dDu');
  sendControl(svc, 'k');
  await waitFor('dD after -k, then the restart', () => events === 'dDudDu');
  const restarted = readStatus(svc);
  t.deepEqual(expectedFields(restarted, true), svstatFields(svc, FIELDS));

  // death_tally: two deaths, SIGTERM then SIGKILL; s6-svdt prints the same records.
  const deaths = readDeathTally(svc);
  t.deepEqual(
    deaths.map((d) => [d.exitCode, d.signal]),
    [
      [128 + 15, 15],
      [128 + 9, 9],
    ],
  );
  t.deepEqual(packDeaths(deaths), fs.readFileSync(deathTallyPath(svc)));
  const svdt = run('s6-svdt', [svc]).stdout.trim().split('\n');
  t.deepEqual(
    svdt,
    deaths.map((d) => `${formatTain(d.at)} signal ${signalName(d.signal)}`),
  );

  t.throws(() => sendControl(unsupervised, 'u'), { instanceOf: NotSupervisedError });
});

test('the real s6 tools read what nuwa writes: status, lock, events, and s6-svc writes letters nuwa parses', async (t) => {
  // A stand-in supervisor built only from the codec: it holds the lock, writes status, reads control, sends events.
  const dir = writeService(path.join(tempDir('nuwa-wire-fake-'), 'fake'), { run: 'exec sleep 1000' });
  t.teardown(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'supervise'), { mode: 0o700 });
  makeFifodir(path.join(dir, 'event'));
  t.is(fs.statSync(path.join(dir, 'event')).mode & 0o7777, 0o3730);
  t.is(run('s6-svok', [dir]).status, 1, 'no lock yet: not supervised');
  t.is(run('s6-svstat', [dir]).status, 1);

  // The lock must be held by another process: POSIX record locks are per process, and this process tests them too.
  const holder = spawn(process.execPath, [
    '-e',
    `process.dlopen(module, ${JSON.stringify(require.resolve('../../dist/nuwa_native.node'))});` +
      `const fs=require('fs');const fd=fs.openSync(${JSON.stringify(path.join(dir, 'supervise', 'lock'))},'w');` +
      `if(!module.exports.lock(fd,true))process.exit(3);console.log('locked');setInterval(()=>{},1000);`,
  ]);
  t.teardown(() => holder.kill());
  await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
  t.is(run('s6-svok', [dir]).status, 0, 's6-svok sees the fcntl lock');
  t.throws(() => acquireLock(path.join(dir, 'supervise', 'lock')), { message: /locked/ });

  const t0 = now() - 5_000_000_000n;
  const statuses: Array<[SupervisorStatus, string]> = [
    [
      { stamp: t0, readyStamp: t0, pid: 4242, wstat: 0, paused: false, finishing: false, wantUp: true, ready: false },
      'up (pid 4242) 5 seconds',
    ],
    [
      { stamp: t0, readyStamp: t0, pid: 4242, wstat: 0, paused: true, finishing: false, wantUp: false, ready: true },
      'up (pid 4242) 5 seconds, paused, want down, ready 5 seconds',
    ],
    [
      { stamp: t0, readyStamp: t0, pid: 0, wstat: 3 << 8, paused: false, finishing: false, wantUp: true, ready: true },
      'down (exitcode 3) 5 seconds, normally up, want up, ready 5 seconds',
    ],
    [
      { stamp: t0, readyStamp: t0, pid: 0, wstat: 9, paused: false, finishing: false, wantUp: false, ready: false },
      'down (signal SIGKILL) 5 seconds, normally up',
    ],
    [
      { stamp: t0, readyStamp: t0, pid: 777, wstat: 15, paused: false, finishing: true, wantUp: true, ready: false },
      'down (signal SIGTERM) 5 seconds, normally up, want up',
    ],
  ];
  for (const [status, line] of statuses) {
    writeStatus(dir, status);
    t.is(run('s6-svstat', [dir]).stdout, `${line}\n`);
    t.deepEqual(svstatFields(dir, FIELDS), expectedFields(status, true));
  }

  // Control: every letter Debian's s6-svc sends arrives, in order, as parseControlBytes reads it.
  native().mkfifo(path.join(dir, 'supervise', 'control'), 0o600);
  const controlFd = fs.openSync(path.join(dir, 'supervise', 'control'), fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
  t.teardown(() => fs.closeSync(controlFd));
  t.is(run('s6-svc', ['-abqhkti12pcyroduDUxOQ', dir]).status, 0);
  const buf = Buffer.alloc(64);
  const n = fs.readSync(controlFd, buf);
  t.deepEqual(parseControlBytes(buf.subarray(0, n)), { letters: 'abqhkti12pcyroduDUxOQ'.split(''), unknown: [] });

  // Events: a real s6-svwait, subscribed before we broadcast, wakes on nuwa's letters.
  writeStatus(dir, { stamp: t0, readyStamp: t0, pid: 0, wstat: 0, paused: false, finishing: false, wantUp: true, ready: false });
  const waiter = spawn('s6-svwait', ['-U', '-t', '20000', dir]);
  const waited = new Promise<number | null>((resolve) => waiter.once('exit', (code) => resolve(code)));
  await waitFor('s6-svwait to subscribe', () => fs.readdirSync(path.join(dir, 'event')).some((f) => f.startsWith('ftrig1:@')));
  broadcast(path.join(dir, 'event'), 'u');
  broadcast(path.join(dir, 'event'), 'U');
  t.is(await waited, 0, 's6-svwait -U saw up then ready');
});
