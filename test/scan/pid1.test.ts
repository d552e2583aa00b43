/**
 * The supervision tree with nuwa as a real PID 1 (`unshare -p -f --mount-proc`): `nuwa svscan DIR` in s6-svscan's
 * place, and `nuwa init` picking up $NUWA_SCANDIR with and without a main program. Driven from outside the
 * namespace with Debian's s6 tools (the service dirs are on the shared filesystem).
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, tempDir, waitFor } from '../helpers';
import { runAsPid1, runAsSubreaper, spawnInPidNamespace } from '../helpers/pid1';
import { run, s6svok, svstatFields, waitUp, writeService } from '../helpers/s6';
import { childrenOf } from '../../supervisor/src/sys/process-tree';

function zombiesUnder(pid: number): number {
  return childrenOf(pid).filter((child) => {
    try {
      const stat = fs.readFileSync(`/proc/${child}/stat`, 'latin1');
      return stat[stat.lastIndexOf(')') + 2] === 'Z';
    } catch {
      return false;
    }
  }).length;
}

test(
  'nuwa svscan as PID 1: services run, orphans they leave are reaped, ' + 's6-svc works from outside, SIGTERM stops all and exits 0',
  async (t) => {
    const scandir = tempDir('nuwa-pid1-');
    const scratch = tempDir();
    // each start leaves 20 orphans behind (re-parented to PID 1, which must reap them)
    writeService(path.join(scandir, 'orphaner'), {
      run: `for i in $(seq 20); do sh -c 'sleep 0.05 &'; done\necho started >> ${scratch}/starts\nexec sleep 1000`,
    });
    writeService(path.join(scandir, 'steady'), { run: 'exec sleep 1000' });
    const child = spawnInPidNamespace([nuwaBinary(), 'svscan', scandir]);
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const pid1 = await waitFor('nuwa to start as PID 1', () => childrenOf(child.pid as number)[0]);
      t.is(fs.readFileSync(`/proc/${pid1}/status`, 'latin1').match(/^NSpid:\s+\d+\s+(\d+)/m)?.[1], '1');
      await waitUp(path.join(scandir, 'orphaner'), true);
      await waitUp(path.join(scandir, 'steady'), true);
      const steady = svstatFields(path.join(scandir, 'steady'), ['pid'])['pid'];
      const starts = () => fs.readFileSync(path.join(scratch, 'starts'), 'utf8').split('\n').length - 1;
      // "up" means run was spawned, not that it got past its loop: restarting it before then would kill the first
      // start before it is counted (on a slow machine, that is what happened)
      await waitFor('the first start', () => starts() === 1);
      t.is(run('s6-svc', ['-r', path.join(scandir, 'orphaner')]).status, 0);
      await waitFor('the second start', () => starts() === 2);
      await waitFor('every orphan reaped', () => zombiesUnder(pid1) === 0 && childrenOf(pid1).length === 2);
      t.is(svstatFields(path.join(scandir, 'steady'), ['pid'])['pid'], steady);
      process.kill(pid1, 'SIGTERM');
      t.is(await exited, 0, output);
      t.false(s6svok(path.join(scandir, 'steady')));
    } catch (err) {
      t.log(`nuwa svscan said:\n${output}`);
      throw err;
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL'); // unshare: --kill-child takes the namespace with it
    }
  },
);

test('nuwa init without CMD as PID 1 supervises $NUWA_SCANDIR; SIGTERM takes services down (finish runs) and exits 0', async (t) => {
  const scandir = tempDir('nuwa-pid1-');
  const scratch = tempDir();
  writeService(path.join(scandir, 'web'), { run: 'exec sleep 1000', finish: `echo "finish $1 $2" >> ${scratch}/finish` });
  const pid1 = runAsPid1([], { NUWA_SCANDIR: scandir });
  const host = await pid1.hostPid();
  await waitUp(path.join(scandir, 'web'), true);
  process.kill(host, 'SIGTERM');
  const result = await pid1.finished;
  t.is(result.code, 0, result.stderr);
  t.is(fs.readFileSync(path.join(scratch, 'finish'), 'utf8'), 'finish 256 15\n');
});

test(
  'nuwa init CMD with $NUWA_SCANDIR: services run beside CMD; ' + "CMD's exit stops them (and their loggers drain) and is the exit code",
  async (t) => {
    const scandir = tempDir('nuwa-pid1-');
    const scratch = tempDir();
    writeService(path.join(scandir, 'worker'), {
      run: `echo "worker says hello"\nexec sleep 1000`,
      finish: `echo "finish $1 $2" >> ${scratch}/finish`,
      log: `exec cat >> ${scratch}/worker.log`,
    });
    // the main program waits until the worker is up (seen through s6-svstat), then exits 3
    const main = `until s6-svstat -o up ${path.join(scandir, 'worker')} 2>/dev/null | grep -q true; do sleep 0.05; done; exit 3`;
    const result = await runAsPid1(['sh', '-c', main], { NUWA_SCANDIR: scandir }).finished;
    t.is(result.code, 3, result.stderr);
    t.is(fs.readFileSync(path.join(scratch, 'finish'), 'utf8'), 'finish 256 15\n');
    t.is(fs.readFileSync(path.join(scratch, 'worker.log'), 'utf8'), 'worker says hello\n');
    t.false(s6svok(path.join(scandir, 'worker')));
  },
);

test(
  'nuwa init without CMD as PID 1: a service that ignores SIGTERM does not hold the container up; ' +
    'after S6_KILL_GRACETIME it is killed and init exits 0',
  async (t) => {
    const scandir = tempDir('nuwa-pid1-');
    const scratch = tempDir();
    writeService(path.join(scandir, 'stubborn'), {
      run: `trap '' TERM\necho up > ${scratch}/up\nwhile :; do sleep 0.2; done`,
      finish: `echo "finish $1 $2" >> ${scratch}/finish`,
    });
    writeService(path.join(scandir, 'polite'), { run: 'exec sleep 1000' });
    const pid1 = runAsPid1([], { NUWA_SCANDIR: scandir, S6_KILL_GRACETIME: '1000' });
    const host = await pid1.hostPid();
    try {
      await waitFor('stubborn to be running', () => fs.existsSync(path.join(scratch, 'up')));
      await waitUp(path.join(scandir, 'polite'), true);
      process.kill(host, 'SIGTERM');
      const stuck = new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), 30_000).unref());
      const result = await Promise.race([pid1.finished, stuck]);
      if (result === 'stuck') return t.fail('init still running 30 s after SIGTERM');
      t.is(result.code, 0, result.stderr);
      t.regex(result.stderr, /services still stopping 1000 ms after the stop began: SIGKILL to what is left/);
      // the stubborn run was killed by SIGKILL (9), and its finish still ran
      t.is(fs.readFileSync(path.join(scratch, 'finish'), 'utf8'), 'finish 256 9\n');
    } finally {
      // PID 1's death ends its whole namespace: nothing is left behind even when the test fails
      if (pid1.process.exitCode === null) process.kill(host, 'SIGKILL');
    }
  },
);

test("nuwa init --plain with $NUWA_SCANDIR: tini's job only; the scan dir is left alone and CMD's code is the exit code", async (t) => {
  const scandir = tempDir('nuwa-pid1-');
  const scratch = tempDir();
  writeService(path.join(scandir, 'web'), { run: `echo started >> ${scratch}/starts\nexec sleep 1000` });
  const result = await runAsSubreaper(['--plain', 'sh', '-c', 'echo main; exit 4'], { NUWA_SCANDIR: scandir }).finished;
  t.is(result.code, 4, result.stderr);
  t.is(result.stdout, 'main\n');
  t.false(fs.existsSync(path.join(scratch, 'starts')), 'the service was started');
  t.false(fs.existsSync(path.join(scandir, 'web', 'supervise')), 'the service dir was supervised');
});

test(
  'nuwa init with a scan dir it cannot take: one line says why; ' + 'CMD still runs and its code is the exit code (without CMD: exit 111)',
  async (t) => {
    const scandir = tempDir('nuwa-pid1-');
    writeService(path.join(scandir, 'web'), { run: 'exec sleep 1000' });
    fs.mkdirSync(path.join(scandir, '.s6-svscan'));
    fs.writeFileSync(path.join(scandir, '.s6-svscan', 'control'), 'left over\n'); // not a FIFO
    const expected =
      `nuwa init: error: cannot supervise the services in ${scandir}: ` + `${scandir}/.s6-svscan/control exists and is not a FIFO`;
    const withCmd = await runAsSubreaper(['sh', '-c', 'echo ran; exit 3'], { NUWA_SCANDIR: scandir }).finished;
    t.is(withCmd.code, 3, withCmd.stderr);
    t.is(withCmd.stdout, 'ran\n');
    t.is(withCmd.stderr, `${expected}; running the command without them\n`);
    const without = await runAsSubreaper([], { NUWA_SCANDIR: scandir }).finished;
    t.is(without.code, 111, without.stderr);
    t.is(without.stderr, `${expected}\n`);
    t.false(s6svok(path.join(scandir, 'web')));
  },
);
