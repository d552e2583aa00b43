/**
 * Issue 17: `nuwa svscan` as PID 1 with ten services crash-looping at `nuwa-restart-delay 0` took 15–25 s (minutes,
 * on a busier machine) to act on SIGTERM, restarting every service all along. Each restart was spawned while libuv
 * was still dispatching SIGCHLD from its signal pipe, so the deaths kept that pipe full and the SIGTERM waited in it.
 * A restart "at once" now waits for the loop's next check phase: the signal is handled on the next turn.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, tempDir, waitFor } from '../helpers';
import { spawnInPidNamespace } from '../helpers/pid1';
import { s6svok, writeService } from '../helpers/s6';
import { childrenOf } from '../../supervisor/src/sys/process-tree';

const SERVICES = 10;

test('nuwa svscan as PID 1 with 10 services crash-looping at restart-delay 0: SIGTERM stops them all and it exits', async (t) => {
  const scandir = tempDir('nuwa-crashstop-');
  const scratch = tempDir();
  const names = Array.from({ length: SERVICES }, (_, i) => `crash${i}`);
  for (const name of names) {
    writeService(path.join(scandir, name), {
      run: `echo x >> ${scratch}/${name}\nexit 1`,
      files: { 'nuwa-restart-delay': '0\n' },
    });
  }
  const starts = (name: string) => {
    try {
      return fs.readFileSync(path.join(scratch, name), 'latin1').length / 2;
    } catch {
      return 0;
    }
  };
  const child = spawnInPidNamespace([nuwaBinary(), 'svscan', scandir]);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d));
  child.stderr.on('data', (d: Buffer) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const pid1 = await waitFor('nuwa to start as PID 1', () => childrenOf(child.pid as number)[0]);
    await waitFor('every service restarted 10 times', () => names.every((name) => starts(name) >= 10), { timeoutMs: 120_000 });
    process.kill(pid1, 'SIGTERM');
    // Well under a second when it works; before the fix, 15 s and more on a loaded machine of two cores.
    const code = await waitFor('svscan to exit after SIGTERM', () => (child.exitCode === null ? undefined : { code: child.exitCode }), {
      timeoutMs: 10_000,
    });
    t.is(code.code, 0, output);
    t.is(await exited, 0);
    for (const name of names) t.false(s6svok(path.join(scandir, name)), `${name}: its supervisor is gone`);
  } catch (err) {
    t.log(`nuwa svscan said:\n${output.slice(-2000)}`);
    throw err;
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL'); // unshare: --kill-child takes the namespace with it
  }
});
