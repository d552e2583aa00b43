/**
 * Delays longer than a Node timer takes (2^31−1 ms, ~24.8 days) under `nuwa svscan`: Node would fire them after 1 ms
 * and print a raw `(node:N) TimeoutOverflowWarning`. Each one must still be pending 2 s later, and no such line may
 * reach the console.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir, waitFor } from '../helpers';
import { run, startScanner, svstatFields, waitUp, writeService } from '../helpers/s6';
import { readDeathTally } from '../../supervisor/src/wire/death-tally';
import { settledOutput } from './settled';

/** s6 reads these settings as 32-bit unsigned numbers: 3,000,000,000 ms (34.7 days) is a value it accepts. */
const LONG = '3000000000\n';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function noRawNodeWarning(t: { false: (v: boolean, m?: string) => void }, output: string): void {
  t.false(/TimeoutOverflowWarning/.test(output), output);
  t.false(/\(node:\d+\)/.test(output), output);
}

test('timeout-kill 3000000000: a run that ignores SIGTERM is still running 2 s after s6-svc -d', async (t) => {
  const scandir = tempDir('nuwa-long-');
  // an ignored signal stays ignored across exec: sleep ignores SIGTERM too
  const dir = writeService(path.join(scandir, 'stubborn'), { run: "trap '' TERM\nexec sleep 1000", files: { 'timeout-kill': LONG } });
  const scanner = await startScanner('nuwa', scandir);
  try {
    await waitUp(dir, true);
    const pid = svstatFields(dir, ['pid'])['pid'];
    t.is(run('s6-svc', ['-d', dir]).status, 0);
    await waitFor('the down signal to be sent', () => svstatFields(dir, ['wantedup'])['wantedup'] === 'false');
    await sleep(2000);
    t.deepEqual(svstatFields(dir, ['up', 'pid']), { up: 'true', pid }, scanner.output());
    const out = await settledOutput(scanner);
    t.false(/SIGKILL/.test(out), out);
    noRawNodeWarning(t, out);
  } finally {
    run('s6-svc', ['-k', dir]); // or the scanner's stop would wait for it for 34.7 days
    await scanner.stop();
  }
});

test('timeout-finish 3000000000: finish is still running 2 s after run died', async (t) => {
  const scandir = tempDir('nuwa-long-');
  const pidFile = path.join(tempDir(), 'finish.pid');
  const dir = writeService(path.join(scandir, 'slowfinish'), {
    run: 'exec sleep 1000',
    finish: `echo $$ > ${pidFile}\nexec sleep 1000`,
    files: { 'timeout-finish': LONG },
  });
  const scanner = await startScanner('nuwa', scandir);
  let pid = 0;
  try {
    await waitUp(dir, true);
    t.is(run('s6-svc', ['-d', dir]).status, 0);
    pid = await waitFor('finish to start', () => (fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8')) : 0));
    await sleep(2000);
    t.true(fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, 'latin1').includes(') Z'), scanner.output());
    const out = await settledOutput(scanner);
    t.false(/timeout-finish/.test(out), out);
    noRawNodeWarning(t, out);
  } finally {
    try {
      if (pid > 0) process.kill(pid, 'SIGKILL'); // or the scanner's stop would wait for it
    } catch {
      // gone already
    }
    await scanner.stop();
  }
});

test('nuwa-restart-delay 3000000000 on a crashing service: not restarted within 2 s, no TimeoutOverflowWarning', async (t) => {
  const scandir = tempDir('nuwa-long-');
  const dir = writeService(path.join(scandir, 'crashy'), {
    run: 'exit 1',
    files: { 'nuwa-restart-delay': LONG, 'nuwa-restart-delay-max': LONG },
  });
  const scanner = await startScanner('nuwa', scandir);
  try {
    await waitFor('the first death', () => readDeathTally(dir).length >= 1);
    await sleep(2000);
    t.is(readDeathTally(dir).length, 1, scanner.output());
    t.deepEqual(svstatFields(dir, ['up', 'wantedup']), { up: 'false', wantedup: 'true' });
    const out = await settledOutput(scanner);
    t.regex(out, /crashy: run exited 1 after \d+ ms; restarting in 3000000 s/);
    noRawNodeWarning(t, out);
  } finally {
    await scanner.stop();
  }
});
