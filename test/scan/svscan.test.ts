/**
 * `nuwa svscan` driven and observed by Debian's real s6 tools (s6-svc, s6-svstat, s6-svwait, s6-svok, s6-svdt,
 * s6-svscanctl): the supervision semantics a user relies on, and nuwa's own restart policy.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { readStatus } from '../../supervisor/src/wire/status';
import { toMilliseconds } from '../../supervisor/src/wire/tai64n';
import { readDeathTally } from '../../supervisor/src/wire/death-tally';
import { killTree, nuwaBinary, tempDir, waitFor } from '../helpers';
import { run, s6svok, startScanner, svstatFields, waitUp, writeService, type Scanner } from '../helpers/s6';

async function withScanner(
  services: Record<string, Parameters<typeof writeService>[1]>,
  body: (s: Scanner, dir: (name: string) => string) => Promise<void>,
) {
  const scandir = tempDir('nuwa-svscan-');
  for (const [name, spec] of Object.entries(services)) writeService(path.join(scandir, name), spec);
  const scanner = await startScanner('nuwa', scandir);
  try {
    await body(scanner, (name) => path.join(scandir, name));
  } finally {
    await scanner.stop();
  }
}

const pidOf = (dir: string) => Number(svstatFields(dir, ['pid'])['pid']);

test('start, s6-svok, s6-svstat fields; -d, -u, -o and the down file as s6-svstat reports them', async (t) => {
  await withScanner({ a: { run: 'exec sleep 1000' }, b: { run: 'exec sleep 1000', files: { down: '' } } }, async (_s, dir) => {
    await waitUp(dir('a'), true);
    t.true(s6svok(dir('a')));
    t.deepEqual(svstatFields(dir('a'), ['up', 'wantedup', 'normallyup', 'ready']), {
      up: 'true',
      wantedup: 'true',
      normallyup: 'true',
      ready: 'false',
    });
    t.deepEqual(svstatFields(dir('b'), ['up', 'wantedup', 'normallyup']), { up: 'false', wantedup: 'false', normallyup: 'false' });
    t.regex(run('s6-svstat', [dir('b')]).stdout, /^down \(exitcode 0\) \d+ seconds, ready \d+ seconds\n$/); // s6 2.11's very words

    t.is(run('s6-svc', ['-d', dir('a')]).status, 0);
    await waitUp(dir('a'), false);
    t.deepEqual(svstatFields(dir('a'), ['wantedup', 'signal']), { wantedup: 'false', signal: 'SIGTERM' });
    t.regex(run('s6-svstat', [dir('a')]).stdout, /^down \(signal SIGTERM\) \d+ seconds, normally up, ready \d+ seconds\n$/);

    t.is(run('s6-svc', ['-u', dir('b')]).status, 0);
    await waitUp(dir('b'), true);
    t.regex(run('s6-svstat', [dir('b')]).stdout, /^up \(pid \d+\) \d+ seconds, normally down\n$/);

    // -o: run once — when it dies it stays down
    t.is(run('s6-svc', ['-o', dir('a')]).status, 0);
    await waitUp(dir('a'), true);
    t.is(run('s6-svc', ['-k', dir('a')]).status, 0);
    await waitUp(dir('a'), false);
    t.deepEqual(svstatFields(dir('a'), ['wantedup', 'signal']), { wantedup: 'false', signal: 'SIGKILL' });
  });
});

test('-r and -k restart a long-running service; the new instance is a new process', async (t) => {
  await withScanner({ a: { run: 'exec sleep 1000' } }, async (_s, dir) => {
    await waitUp(dir('a'), true);
    const first = pidOf(dir('a'));
    t.is(run('s6-svc', ['-r', dir('a')]).status, 0);
    const second = await waitFor('a new pid after -r', () => {
      const pid = pidOf(dir('a'));
      return pid > 0 && pid !== first ? pid : 0;
    });
    t.is(run('s6-svc', ['-k', dir('a')]).status, 0);
    await waitFor('a new pid after -k', () => {
      const pid = pidOf(dir('a'));
      return pid > 0 && pid !== second;
    });
    t.deepEqual(
      run('s6-svdt', [dir('a')])
        .stdout.trim()
        .split('\n')
        .map((l) => l.replace(/^@\S+ /, '')),
      ['signal SIGTERM', 'signal SIGKILL'],
    );
  });
});

test(
  'finish receives exit code, signal, name and pgid; ' + 'exit 125 keeps the service down (s6-svwait -D returns, wantedup false)',
  async (t) => {
    const scratch = tempDir();
    const journal = path.join(scratch, 'finish.args');
    await withScanner(
      {
        svc: {
          run: `[ -e ${scratch}/second ] && exec sleep 1000\ntouch ${scratch}/second\nexit 7`,
          finish: `echo "$@" >> ${journal}\n[ "$1" = 256 ] && exit 125\nexit 0`,
        },
      },
      async (_s, dir) => {
        await waitFor('the first finish', () => fs.existsSync(journal) && fs.readFileSync(journal, 'utf8').includes('\n'));
        await waitUp(dir('svc'), true);
        const pid = pidOf(dir('svc'));
        const [first] = fs.readFileSync(journal, 'utf8').trim().split('\n');
        t.regex(first as string, /^7 0 svc \d+$/);
        // s6-svwait -u fails (exit 1) when the service reports permanent failure (O) while it waits for up
        const waiter = run('sh', ['-c', `s6-svc -k "$1" && s6-svwait -t 20000 -D "$1"`, 'sh', dir('svc')]);
        t.is(waiter.status, 0, waiter.stderr);
        await waitFor('the second finish', () => fs.readFileSync(journal, 'utf8').trim().split('\n').length === 2);
        t.is(fs.readFileSync(journal, 'utf8').trim().split('\n')[1], `256 9 svc ${pid}`);
        t.deepEqual(svstatFields(dir('svc'), ['up', 'wantedup']), { up: 'false', wantedup: 'false' });
      },
    );
  },
);

test('a finish that hangs past timeout-finish is SIGKILLed, with one warning, and the service starts again', async (t) => {
  const scratch = tempDir();
  const starts = path.join(scratch, 'starts');
  await withScanner(
    { slow: { run: `echo start >> ${starts}\nsleep 0.2; exit 1`, finish: 'exec sleep 1000', files: { 'timeout-finish': '300\n' } } },
    async (scanner, dir) => {
      const finishPid = await waitFor('finish to run', () => {
        const s = readStatus(dir('slow'));
        return s.finishing && s.pid !== 0 ? s.pid : 0;
      });
      await waitFor(
        'finish to be killed',
        () => !fs.existsSync(`/proc/${finishPid}/cmdline`) || fs.readFileSync(`/proc/${finishPid}/stat`, 'latin1').includes(') Z'),
      );
      await waitFor('run to start again', () => fs.readFileSync(starts, 'utf8').split('\n').length >= 3);
      await waitFor('the warning', () => /slow: finish still running after timeout-finish \(300 ms\): SIGKILL/.test(scanner.output()));
      t.pass();
    },
  );
});

test('notification-fd: s6-svwait -U returns once run writes a newline; status says ready', async (t) => {
  const scratch = tempDir();
  const gate = path.join(scratch, 'gate');
  await withScanner(
    { n: { run: `while [ ! -e ${gate} ]; do sleep 0.05; done\necho ready >&3\nexec sleep 1000`, files: { 'notification-fd': '3\n' } } },
    async (_s, dir) => {
      await waitUp(dir('n'), true);
      t.is(svstatFields(dir('n'), ['ready'])['ready'], 'false');
      const waiter = new Promise<number | null>((resolve) => {
        const child = spawn('s6-svwait', ['-t', '20000', '-U', dir('n')]);
        child.on('exit', (code: number | null) => resolve(code));
      });
      fs.writeFileSync(gate, '');
      t.is(await waiter, 0);
      t.is(svstatFields(dir('n'), ['ready'])['ready'], 'true');
    },
  );
});

test('max-death-tally bounds supervise/death_tally (s6-svdt shows the newest records)', async (t) => {
  const scratch = tempDir();
  const starts = path.join(scratch, 'starts');
  await withScanner(
    // up 1.1 s per run, so that nuwa restarts at once (no back-off) and the test stays short
    { d: { run: `echo start >> ${starts}\nsleep 1.1; exit 3`, files: { 'max-death-tally': '2\n' } } },
    async (_s, dir) => {
      await waitFor('three deaths', () => fs.existsSync(starts) && fs.readFileSync(starts, 'utf8').split('\n').length >= 5, {
        timeoutMs: 30_000,
      });
      t.deepEqual(
        run('s6-svdt', [dir('d')])
          .stdout.trim()
          .split('\n')
          .map((l) => l.replace(/^@\S+ /, '')),
        ['exitcode 3', 'exitcode 3'],
      );
      t.is(fs.statSync(path.join(dir('d'), 'supervise/death_tally')).size, 28);
    },
  );
});

test('restart policy: a service that was up ≥ 1 s restarts at once (s6 waits 1 s); a crash loop backs off 1 s, 2 s, 4 s', async (t) => {
  await withScanner({ long: { run: 'exec sleep 1000' }, loop: { run: 'exit 1' } }, async (_s, dir) => {
    await waitUp(dir('long'), true);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // let it be up for more than a second
    t.is(run('s6-svc', ['-k', dir('long')]).status, 0);
    const tally = await waitFor('the death of long', () => readDeathTally(dir('long'))[0]);
    const restarted = await waitFor('long to be up again', () => {
      const s = readStatus(dir('long'));
      return s.pid !== 0 && s.stamp > tally.at ? s : undefined;
    });
    // s6 would wait 1000 ms; nuwa restarts at once (generous bound: well under s6's second)
    t.true(toMilliseconds(restarted.stamp - tally.at) < 900, `restart took ${toMilliseconds(restarted.stamp - tally.at)} ms`);

    const deaths = await waitFor(
      'four deaths of loop',
      () => (readDeathTally(dir('loop')).length >= 4 ? readDeathTally(dir('loop')) : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    const gaps = deaths.slice(1, 4).map((d, i) => toMilliseconds(d.at - (deaths[i] as { at: bigint }).at));
    t.true((gaps[0] as number) >= 1000 && (gaps[1] as number) >= 2000 && (gaps[2] as number) >= 4000, `gaps ${gaps.join(', ')}`);
  });
});

test(
  's6-svc -xd: the supervisor exits once the service is down, ' +
    'and the scanner starts a new supervisor for the still-present service, which starts it again',
  async (t) => {
    await withScanner({ a: { run: 'exec sleep 1000' } }, async (_s, dir) => {
      await waitUp(dir('a'), true);
      const before = pidOf(dir('a'));
      const listener = run('sh', ['-c', 's6-svc -x -d "$1"', 'sh', dir('a')]);
      t.is(listener.status, 0);
      // a new pid: until -xd is handled, the old supervisor still answers "up" for the old instance
      await waitFor(
        'a new supervisor that restarts the service',
        () => s6svok(dir('a')) && svstatFields(dir('a'), ['up'])['up'] === 'true' && pidOf(dir('a')) !== before,
        { timeoutMs: 20_000 },
      );
      t.pass();
    });
  },
);

test("s6-svscanctl -t: services get their down signal, .s6-svscan/finish is exec'd, nothing is left running", async (t) => {
  const scandir = tempDir('nuwa-svscan-');
  const marker = path.join(scandir, 'finished');
  writeService(path.join(scandir, 'a'), { run: 'exec sleep 1000' });
  fs.mkdirSync(path.join(scandir, '.s6-svscan'));
  fs.writeFileSync(path.join(scandir, '.s6-svscan/finish'), `#!/bin/sh\necho "finish in $PWD" > ${marker}\n`, { mode: 0o755 });
  const scanner = await startScanner('nuwa', scandir);
  try {
    await waitUp(path.join(scandir, 'a'), true);
    const pid = pidOf(path.join(scandir, 'a'));
    t.is(run('s6-svscanctl', ['-t', scandir]).status, 0);
    await new Promise((resolve) => scanner.process.once('exit', resolve));
    t.is(fs.readFileSync(marker, 'utf8'), `finish in ${scandir}\n`);
    t.false(fs.existsSync(`/proc/${pid}`));
    t.false(s6svok(path.join(scandir, 'a')));
  } finally {
    await scanner.stop(); // also when an assertion failed: a scanner left running holds the worker's pipes
  }
});

test('.s6-svscan/SIGHUP replaces the built-in action; SIGTERM without a script terminates', async (t) => {
  const scandir = tempDir('nuwa-svscan-');
  const marker = path.join(scandir, 'hup');
  writeService(path.join(scandir, 'a'), { run: 'exec sleep 1000' });
  fs.mkdirSync(path.join(scandir, '.s6-svscan'));
  fs.writeFileSync(path.join(scandir, '.s6-svscan/SIGHUP'), `#!/bin/sh\necho hup > ${marker}\n`, { mode: 0o755 });
  const scanner = await startScanner('nuwa', scandir);
  try {
    await waitUp(path.join(scandir, 'a'), true);
    scanner.process.kill('SIGHUP');
    await waitFor('the SIGHUP script', () => fs.existsSync(marker));
    t.is(svstatFields(path.join(scandir, 'a'), ['up'])['up'], 'true');
    scanner.process.kill('SIGTERM');
    const code = await new Promise((resolve) => scanner.process.once('exit', resolve));
    t.is(code, 0);
  } finally {
    await scanner.stop();
  }
});

test('lock-fd: run holds supervise/service-lock (s6-setlock -n cannot take it) on the fd it asked for, across restarts', async (t) => {
  await withScanner({ l: { run: 'exec sleep 1000', files: { 'lock-fd': '5\n' } } }, async (_s, dir) => {
    const lockFile = path.join(dir('l'), 'supervise', 'service-lock');
    const busy = () => run('s6-setlock', ['-n', lockFile, 'true']).status === 1;
    await waitUp(dir('l'), true);
    await waitFor('the lock to be held', busy);
    const pid = pidOf(dir('l'));
    t.is(fs.readlinkSync(`/proc/${pid}/fd/5`), lockFile);
    t.is(run('s6-svc', ['-r', dir('l')]).status, 0);
    await waitFor('a new instance', () => pidOf(dir('l')) !== pid && pidOf(dir('l')) > 0);
    await waitFor('the lock held again', busy);
    t.is(run('s6-svc', ['-d', dir('l')]).status, 0);
    await waitUp(dir('l'), false);
    t.false(busy()); // released with the process
  });
});

test('-d 3: one newline on fd 3, then EOF, once the scanner accepts commands (s6-svscan -d)', async (t) => {
  const scandir = tempDir('nuwa-svscan-');
  writeService(path.join(scandir, 'a'), { run: 'exec sleep 1000' });
  const child = spawn(nuwaBinary(), ['svscan', '-d', '3', scandir], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const notification = child.stdio[3] as Readable;
    let received = '';
    notification.on('data', (d: Buffer) => (received += d.toString('latin1')));
    await new Promise((resolve) => notification.once('end', resolve));
    t.is(received, '\n');
    // ready means ready: the control FIFO has its reader
    t.is(run('s6-svscanctl', ['-a', scandir]).status, 0);
    await waitUp(path.join(scandir, 'a'), true);
    t.is(run('s6-svscanctl', ['-t', scandir]).status, 0);
    t.is(await exited, 0);
  } finally {
    // its services too (they hold our stderr pipe): a SIGKILLed scanner stops nothing
    if (child.exitCode === null) killTree(child.pid as number);
  }
});
