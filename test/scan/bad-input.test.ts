/**
 * Bad service directories under `nuwa svscan`: the scanner stays up, a healthy neighbour keeps its process (same pid
 * throughout), and each problem is named once, in one line with the service's name — not once per restart.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { killTree, nuwaBinary, requireCommand, tempDir, waitFor } from '../helpers';
import { run, startScanner, svstatFields, waitUp, writeService } from '../helpers/s6';
import { readDeathTally } from '../../supervisor/src/wire/death-tally';
import { settledOutput } from './settled';

function writeRaw(dir: string, run: string | Buffer | undefined, mode = 0o755): string {
  fs.mkdirSync(dir, { recursive: true });
  if (run !== undefined) fs.writeFileSync(path.join(dir, 'run'), run, { mode });
  return dir;
}

const linesMatching = (output: string, re: RegExp) => output.split('\n').filter((l) => re.test(l));

test(
  'no run, non-executable run, no shebang, CRLF, missing interpreter, exec of a missing program: ' + 'one line each, neighbour untouched',
  async (t) => {
    const scandir = tempDir('nuwa-bad-');
    writeService(path.join(scandir, 'good'), { run: 'exec sleep 1000' });
    writeRaw(path.join(scandir, 'norun'), undefined);
    writeRaw(path.join(scandir, 'noexec'), '#!/bin/sh\nexec sleep 1000\n', 0o644);
    writeRaw(path.join(scandir, 'noshebang'), 'exec sleep 1000\n');
    writeRaw(path.join(scandir, 'crlf'), '#!/bin/sh\r\nexec sleep 1000\r\n');
    writeRaw(path.join(scandir, 'nointerp'), '#!/usr/bin/no-such-interpreter\n');
    writeRaw(path.join(scandir, 'missing'), '#!/bin/sh\nexec /no/such/program\n');
    const scanner = await startScanner('nuwa', scandir);
    try {
      const good = path.join(scandir, 'good');
      await waitUp(good, true);
      const pid = svstatFields(good, ['pid'])['pid'];
      // `missing` crash-loops (1 s, 2 s back-off): wait for its third death so that repeats would have been logged
      await waitFor('three deaths of missing', () => readDeathTally(path.join(scandir, 'missing')).length >= 3, { timeoutMs: 30_000 });
      const out = await settledOutput(scanner);
      const expectations: [string, RegExp][] = [
        ['norun', /norun: no run file/],
        ['noexec', /noexec: run is not executable/],
        ['noshebang', /noshebang: run has no shebang line/],
        ['crlf', /crlf: run has CRLF \(Windows\) line endings/],
        ['nointerp', /nointerp: run's interpreter \/usr\/bin\/no-such-interpreter does not exist/],
        ['missing', /missing: run exited 127 \(command not found/],
      ];
      for (const [name, re] of expectations) {
        t.is(linesMatching(out, new RegExp(`nuwa .*\\b${name}: `)).length, 1, `${name}: ${out}`);
        t.regex(out, re);
      }
      // none of them was started as s6 would not start it (a shebang-less script is not run through /bin/sh)
      for (const name of ['norun', 'noexec', 'noshebang', 'crlf', 'nointerp']) {
        t.is(svstatFields(path.join(scandir, name), ['up'])['up'], 'false', name);
      }
      t.is(svstatFields(good, ['pid'])['pid'], pid);
      t.is(scanner.process.exitCode, null);

      // fixing the file is enough: the next attempt (re-read at each start) succeeds
      fs.chmodSync(path.join(scandir, 'noexec', 'run'), 0o755);
      await waitUp(path.join(scandir, 'noexec'), true);
    } finally {
      await scanner.stop();
    }
  },
);

test('garbage notification-fd: one warning, the service runs without readiness', async (t) => {
  const scandir = tempDir('nuwa-bad-');
  writeService(path.join(scandir, 'g'), { run: 'exec sleep 1000', files: { 'notification-fd': 'three\n' } });
  const scanner = await startScanner('nuwa', scandir);
  try {
    await waitUp(path.join(scandir, 'g'), true);
    t.is(run('s6-svc', ['-r', path.join(scandir, 'g')]).status, 0);
    await waitFor(
      'a restart',
      () => readDeathTally(path.join(scandir, 'g')).length === 1 && svstatFields(path.join(scandir, 'g'), ['up'])['up'] === 'true',
    );
    t.is(linesMatching(await settledOutput(scanner), /g: invalid notification-fd "three"/).length, 1, scanner.output());
  } finally {
    await scanner.stop();
  }
});

test('random bytes in supervise/control: unknown bytes are reported in one line and ignored; the scanner stays up', async (t) => {
  const scandir = tempDir('nuwa-bad-');
  writeService(path.join(scandir, 'c'), { run: 'exec sleep 1000' });
  writeService(path.join(scandir, 'other'), { run: 'exec sleep 1000' });
  const scanner = await startScanner('nuwa', scandir);
  try {
    await waitUp(path.join(scandir, 'c'), true);
    await waitUp(path.join(scandir, 'other'), true);
    const otherPid = svstatFields(path.join(scandir, 'other'), ['pid'])['pid'];
    const cPid = svstatFields(path.join(scandir, 'c'), ['pid'])['pid'];
    // bytes that are no command letter at all (s6 ignores them; nuwa says so)
    const junk = Buffer.from([0x00, 0xff, 0x7f, 0x80, 0x0a, 0x20, 0x3f, 0xfe, 0x5a, 0x41]);
    fs.writeFileSync(path.join(scandir, 'c', 'supervise', 'control'), junk);
    await waitFor('the warning', () => /c: ignored 10 unknown byte\(s\) on supervise\/control/.test(scanner.output()));
    t.is(svstatFields(path.join(scandir, 'c'), ['pid'])['pid'], cPid);
    t.is(svstatFields(path.join(scandir, 'other'), ['pid'])['pid'], otherPid);
    // and the FIFO still works afterwards
    t.is(run('s6-svc', ['-d', path.join(scandir, 'c')]).status, 0);
    await waitUp(path.join(scandir, 'c'), false);
  } finally {
    await scanner.stop();
  }
});

test('a service directory deleted under a running service: that service is stopped, one line says so, others untouched', async (t) => {
  const scandir = tempDir('nuwa-bad-');
  writeService(path.join(scandir, 'doomed'), { run: 'exec sleep 1000' });
  writeService(path.join(scandir, 'other'), { run: 'exec sleep 1000' });
  const scanner = await startScanner('nuwa', scandir);
  try {
    await waitUp(path.join(scandir, 'doomed'), true);
    await waitUp(path.join(scandir, 'other'), true);
    const doomedPid = Number(svstatFields(path.join(scandir, 'doomed'), ['pid'])['pid']);
    const otherPid = svstatFields(path.join(scandir, 'other'), ['pid'])['pid'];
    fs.rmSync(path.join(scandir, 'doomed'), { recursive: true, force: true });
    await waitFor(
      'the deleted service to be stopped',
      () => !fs.existsSync(`/proc/${doomedPid}/stat`) || fs.readFileSync(`/proc/${doomedPid}/stat`, 'latin1').includes(') Z'),
    );
    await waitFor('the log line', () => /doomed: .* is no longer in the scan dir: stopping it/.test(scanner.output()));
    t.is(linesMatching(await settledOutput(scanner), /doomed/).length, 1, scanner.output());
    t.is(svstatFields(path.join(scandir, 'other'), ['pid'])['pid'], otherPid);
    t.is(scanner.process.exitCode, null);
  } finally {
    await scanner.stop();
  }
});

test(
  'a service another supervisor already runs: said once; ' + 'once that supervisor is gone, nuwa takes over by itself (no rescan needed)',
  async (t) => {
    const scandir = tempDir('nuwa-bad-');
    const dir = writeService(path.join(scandir, 'taken'), { run: 'exec sleep 1000' });
    const other = spawn(requireCommand('s6-supervise', 's6'), [dir], { stdio: 'ignore' });
    const otherExited = new Promise((resolve) => other.once('exit', resolve));
    try {
      await waitUp(dir, true);
      // the watcher off: nothing but nuwa's own retry can pick the service up again
      const scanner = await startScanner('nuwa', scandir, { NUWA_SCAN_WATCH: '0' });
      try {
        await waitFor('the refusal', () => /taken: cannot supervise .*another supervisor/.test(scanner.output()));
        t.is(run('s6-svc', ['-dx', dir]).status, 0); // s6-supervise stops the service and exits
        await otherExited;
        await waitFor(
          'nuwa to supervise the service and start it',
          () => {
            const pid = Number(svstatFields(dir, ['pid'])['pid']);
            return pid > 0 && parentOf(pid) === scanner.process.pid;
          },
          { timeoutMs: 40_000 },
        );
        t.is(linesMatching(await settledOutput(scanner), /taken: cannot supervise/).length, 1, scanner.output());
      } finally {
        await scanner.stop();
      }
    } finally {
      if (other.exitCode === null) other.kill('SIGKILL');
    }
  },
);

function parentOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

// Unset, log lines go through logger.ts's own stderr sink; NUWA_LOG_FORMAT set (plain or json) puts winston in
// between, whose Console transport re-threw every EPIPE at the process (100 % CPU, SIGTERM and s6-svc ignored).
for (const format of [undefined, 'plain', 'json']) {
  test(
    `the reader of the scanner's stderr goes away (NUWA_LOG_FORMAT ${format ?? 'unset'}): ` +
      'no busy loop on EPIPE, crash-looping services still restart, s6-svc and SIGTERM still work',
    async (t) => {
      const scandir = tempDir('nuwa-bad-');
      writeService(path.join(scandir, 'crashy'), { run: 'exit 1' });
      writeService(path.join(scandir, 'steady'), { run: 'exec sleep 1000' });
      const env = { ...process.env };
      if (format === undefined) delete env.NUWA_LOG_FORMAT;
      else env.NUWA_LOG_FORMAT = format;
      const child = spawn(nuwaBinary(), ['svscan', scandir], { stdio: ['ignore', 'ignore', 'pipe'], env });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        await waitFor('the first failure to be logged', () => readDeathTally(path.join(scandir, 'crashy')).length >= 1);
        child.stderr.destroy(); // every later log line now meets a broken pipe
        fs.writeFileSync(path.join(scandir, '.s6-svscan', 'control'), Buffer.from([0x01])); // … such as this warning
        // back-off 1 s then 2 s: two more deaths prove timers still fire (a busy loop on EPIPE starves them)
        await waitFor('two more deaths of crashy', () => readDeathTally(path.join(scandir, 'crashy')).length >= 3, { timeoutMs: 30_000 });
        await waitUp(path.join(scandir, 'steady'), true);
        t.is(run('s6-svc', ['-d', path.join(scandir, 'steady')]).status, 0);
        await waitUp(path.join(scandir, 'steady'), false);
        child.kill('SIGTERM');
        t.is(await exited, 0);
      } finally {
        // a scanner that failed the test must not leave its services behind
        if (child.exitCode === null) killTree(child.pid as number);
      }
    },
  );
}
