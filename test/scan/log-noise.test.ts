/**
 * What `nuwa svscan` says about bad input, as a user reads it on the scanner's stderr: a flood is a few lines with a
 * count, never a line per event; numbers and paths as the user wrote them; a problem said once, then counted.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir, waitFor } from '../helpers';
import { run, startScanner, svstatFields, waitUp, writeService } from '../helpers/s6';
import { readDeathTally } from '../../supervisor/src/wire/death-tally';
import { settledOutput } from './settled';

const linesMatching = (output: string, re: RegExp) => output.split('\n').filter((l) => re.test(l));
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes `count` one-byte garbage writes to `fifo`, each its own write() and (the reader keeping up) its own read(). */
async function flood(fifo: string, count: number, byte: number): Promise<number> {
  const started = Date.now();
  const fd = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  try {
    for (let i = 0; i < count; i++) {
      fs.writeSync(fd, Buffer.from([byte]));
      await pause(1);
    }
  } finally {
    fs.closeSync(fd);
  }
  return Date.now() - started;
}

/** Lines a rate-limited warning may take for a flood of `ms`: the first at once, then one a second, and the last. */
const allowedLines = (ms: number) => 2 + Math.ceil(ms / 1000);

test('garbage on supervise/control, one byte per write: one line a second with a count, not one per read', async (t) => {
  const scandir = tempDir('nuwa-noise-');
  const dir = writeService(path.join(scandir, 'c'), { run: 'exec sleep 1000' });
  const scanner = await startScanner('nuwa', scandir);
  try {
    await waitUp(dir, true);
    const pid = svstatFields(dir, ['pid'])['pid'];
    const writes = 300;
    const took = await flood(path.join(dir, 'supervise', 'control'), writes, 0xff);
    const counted = () =>
      linesMatching(scanner.output(), /c: ignored \d+ (more )?unknown byte\(s\) on supervise\/control/)
        .map((l) => Number(/ignored (\d+)/.exec(l)?.[1]))
        .reduce((a, b) => a + b, 0);
    await waitFor(`all ${writes} bytes counted`, () => counted() === writes, { timeoutMs: 10_000 });
    const lines = linesMatching(await settledOutput(scanner), /on supervise\/control/);
    t.true(lines.length <= allowedLines(took), `${lines.length} lines for a flood of ${took} ms:\n${lines.join('\n')}`);
    t.regex(lines.at(-1) ?? '', /c: ignored \d+ more unknown byte\(s\) on supervise\/control in \d+ read\(s\) over the last 1 s/);
    t.is(svstatFields(dir, ['pid'])['pid'], pid);
  } finally {
    await scanner.stop();
  }
});

test('garbage on .s6-svscan/control, one byte per write: one line a second with a count', async (t) => {
  const scandir = tempDir('nuwa-noise-');
  const scanner = await startScanner('nuwa', scandir);
  try {
    const writes = 300;
    const took = await flood(path.join(scandir, '.s6-svscan', 'control'), writes, 0x01);
    const mark = /ignored unknown command byte\(s\) on \.s6-svscan\/control/;
    const counted = () =>
      linesMatching(scanner.output(), mark)
        .map((l) => {
          const more = /control: (\d+) more/.exec(l);
          return more ? Number(more[1]) : (/\(hex ([0-9a-f]*)\)/.exec(l)?.[1]?.length ?? 0) / 2;
        })
        .reduce((a, b) => a + b, 0);
    await waitFor(`all ${writes} bytes counted`, () => counted() === writes, { timeoutMs: 10_000 });
    const lines = linesMatching(scanner.output(), mark);
    t.true(lines.length <= allowedLines(took), `${lines.length} lines for a flood of ${took} ms:\n${lines.join('\n')}`);
    t.is(scanner.process.exitCode, null);
  } finally {
    await scanner.stop();
  }
});

test('notification-fd 99999999999999999999999: the warning quotes the file, not 1e+23', async (t) => {
  const scandir = tempDir('nuwa-noise-');
  const dir = writeService(path.join(scandir, 'n'), { run: 'exec sleep 1000', files: { 'notification-fd': '99999999999999999999999\n' } });
  const scanner = await startScanner('nuwa', scandir);
  try {
    await waitUp(dir, true);
    const out = await settledOutput(scanner);
    t.regex(out, /n: invalid notification-fd "99999999999999999999999"/);
    t.false(out.includes('1e+23'), out);
  } finally {
    await scanner.stop();
  }
});

test(
  'a service dir the supervisor cannot set up: the error names the service dir, not /proc/self/fd/N; ' + 'said once, then counted',
  async (t) => {
    const scandir = tempDir('nuwa-noise-');
    const dir = writeService(path.join(scandir, 'bad'), { run: 'exec sleep 1000' });
    fs.writeFileSync(path.join(dir, 'supervise'), ''); // a file where supervise/ must be: ENOTDIR on every attempt
    writeService(path.join(scandir, 'good'), { run: 'exec sleep 1000' });
    const scanner = await startScanner('nuwa', scandir);
    try {
      await waitUp(path.join(scandir, 'good'), true);
      const said = await waitFor('the error', () => linesMatching(scanner.output(), /bad: cannot supervise/)[0]);
      t.true(said.includes(`${dir}/supervise/status.new`), said);
      t.false(said.includes('/proc/self/fd'), said);
      // an explicit scan retries a failed start at once (s6-svscanctl -a): ten attempts without waiting 10 s each
      await waitFor(
        'the summary after 10 attempts',
        () => {
          run('s6-svscanctl', ['-a', scandir]);
          return /bad: still cannot supervise .* \(10 attempts\)/.test(scanner.output());
        },
        { intervalMs: 100 },
      );
      const out = await settledOutput(scanner);
      t.false(out.includes('/proc/self/fd'), out);
      t.is(linesMatching(out, /bad: cannot supervise/).length, 1, out);
      t.is(linesMatching(out, /bad: still cannot supervise/).length, 1, out);
    } finally {
      await scanner.stop();
    }
  },
);

test(
  'dangling and looping symlinks in the scan dir: one warning each, as s6-svscan warns; ' +
    'a dangling one is picked up once its target exists, without s6-svscanctl -a',
  async (t) => {
    const scandir = tempDir('nuwa-noise-');
    const elsewhere = tempDir('nuwa-noise-target-');
    const target = path.join(elsewhere, 'ghost');
    fs.symlinkSync(target, path.join(scandir, 'ghost'));
    fs.symlinkSync('loop2', path.join(scandir, 'loop1'));
    fs.symlinkSync('loop1', path.join(scandir, 'loop2'));
    writeService(path.join(scandir, 'good'), { run: 'exec sleep 1000' });
    const scanner = await startScanner('nuwa', scandir);
    try {
      await waitUp(path.join(scandir, 'good'), true);
      for (let i = 0; i < 3; i++) t.is(run('s6-svscanctl', ['-a', scandir]).status, 0); // s6-svscan would warn each time
      let out = await settledOutput(scanner);
      t.is(linesMatching(out, /ghost: .*dangling symlink/).length, 1, out);
      t.is(linesMatching(out, /loop1: .*symlink loop/).length, 1, out);
      t.is(linesMatching(out, /loop2: .*symlink loop/).length, 1, out);
      // the target appears, complete (renamed into place), outside the scan dir: only nuwa's recheck can see it
      writeService(`${target}.tmp`, { run: 'exec sleep 1000' });
      fs.renameSync(`${target}.tmp`, target);
      await waitUp(path.join(scandir, 'ghost'), true, 'the once-dangling service up');
      out = await settledOutput(scanner);
      t.is(linesMatching(out, /ghost/).length, 1, out);
    } finally {
      await scanner.stop();
    }
  },
);

test('10 crash-restarts in a row with nuwa-restart-min-uptime 0: said to be crash-looping, with the count, once', async (t) => {
  const scandir = tempDir('nuwa-noise-');
  const dir = writeService(path.join(scandir, 'crashy'), { run: 'exit 1', files: { 'nuwa-restart-min-uptime': '0\n' } });
  const scanner = await startScanner('nuwa', scandir);
  try {
    await waitFor('the crash-loop line', () => /crashy: crash-looping: run died 10 times in /.test(scanner.output()), {
      timeoutMs: 30_000,
    });
    // it goes on restarting at once: more deaths, no more lines (the next is due a minute later)
    const deaths = readDeathTally(dir).length;
    await waitFor('more deaths', () => readDeathTally(dir).length >= Math.min(100, deaths + 50), { timeoutMs: 30_000 });
    const out = await settledOutput(scanner);
    t.is(linesMatching(out, /crashy/).length, 1, out);
    t.regex(out, /crashy: crash-looping: run died 10 times in [\d.]+ m?s \(the last: run exited 1 after [\d.]+ m?s\), restarted at once/);
  } finally {
    run('s6-svc', ['-d', dir]);
    await scanner.stop();
  }
});
