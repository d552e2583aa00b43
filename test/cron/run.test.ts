/**
 * nuwa cron running real jobs on per-second schedules: users, environment, stdin from %, output and exit codes in
 * the log, no overlapping runs, reload on change, @reboot once, and a stop that lets jobs finish within the grace.
 */
import test from 'ava';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, requireCommand, tempDir, waitFor } from '../helpers';
import { startCron } from './start-cron';

function write(file: string, text: string, mode = 0o644): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode });
  fs.chmodSync(file, mode);
  return file;
}

const lines = (file: string) =>
  fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : [];

test('per-second jobs run as their users with their environment, stdin from %, output and exit codes logged', async (t) => {
  const dir = tempDir('nuwa-t-cron-run-');
  fs.chmodSync(dir, 0o777);
  const out = path.join(dir, 'out');
  fs.mkdirSync(out, { mode: 0o777 });
  fs.chmodSync(out, 0o777);
  const system = write(
    path.join(dir, 'cron.d', 'jobs'),
    `# a system crontab: user field after the schedule
GREETING = "hello there"
* * * * * * root echo "$GREETING|$USER|$LOGNAME|$HOME|$(id -u)" >> ${out}/root
* * * * * * nobody echo "$USER|$(id -u)|$(id -g)" >> ${out}/nobody
*/2 * * * * * root cat >> ${out}/stdin %first line%second \\% line
* * * * * * root echo to stdout; echo to stderr >&2; exit 3
`,
  );
  const cron = startCron(['--no-watch', '--state', path.join(dir, 'state'), '--system', path.dirname(system)]);
  t.teardown(() => cron.stop('SIGKILL'));
  await waitFor(
    '3 runs as root and as nobody, 2 with stdin',
    () =>
      lines(path.join(out, 'root')).length >= 3 &&
      lines(path.join(out, 'nobody')).length >= 3 &&
      lines(path.join(out, 'stdin')).length >= 4,
  );
  t.is(lines(path.join(out, 'root'))[0], 'hello there|root|root|/root|0');
  t.is(lines(path.join(out, 'nobody'))[0], 'nobody|65534|65534');
  t.deepEqual(lines(path.join(out, 'stdin')).slice(0, 2), ['first line', 'second % line']);
  await waitFor('the failing job logged', () => /job jobs:6 exited 3/.test(cron.log()));
  const log = cron.log();
  t.regex(log, /nuwa cron: job jobs:3 started as root \(pid \d+\): echo/);
  t.regex(log, /nuwa cron: job jobs:4 started as nobody \(pid \d+\)/);
  t.regex(log, /nuwa cron: jobs:6: to stdout\n/);
  t.regex(log, /nuwa cron: warning: jobs:6: to stderr\n/);
  t.regex(log, /nuwa cron: warning: job jobs:6 exited 3 after \d+\.\d s/);
  t.regex(log, /nuwa cron: job jobs:3 exited 0 after/);
  t.is(await cron.stop(), 0);
});

test('a long job does not overlap itself; each skipped start is said in the log', async (t) => {
  const dir = tempDir('nuwa-t-cron-overlap-');
  const marks = path.join(dir, 'marks');
  // Every second, a job that takes ~2.5 s; a second instance would find the lock directory taken.
  const crontab = write(
    path.join(dir, 'crontab'),
    `* * * * * * mkdir ${dir}/running 2>/dev/null || echo OVERLAP >> ${marks}; echo start >> ${marks}; sleep 2.5; rmdir ${dir}/running\n`,
  );
  const cron = startCron(['--no-watch', '--state', path.join(dir, 'state'), crontab]);
  t.teardown(() => cron.stop('SIGKILL'));
  await waitFor('three runs', () => lines(marks).filter((l) => l === 'start').length >= 3, { timeoutMs: 30_000 });
  t.false(lines(marks).includes('OVERLAP'), 'no run started while the previous one ran');
  t.regex(cron.log(), /job crontab:1 not started: its previous run \(pid \d+, started \d+ s ago\) is still running/);
  t.is(await cron.stop(), 0);
});

test('bad lines and a missing user are reported with file and line at load time; the other jobs still run', async (t) => {
  const dir = tempDir('nuwa-t-cron-bad-');
  const ok = path.join(dir, 'ok');
  const system = write(
    path.join(dir, 'cron.d', 'mixed'),
    `* * * * * * root echo ran >> ${ok}
61 * * * * root echo never
* * * * * * nuwa-no-such-user echo never
@fortnightly root echo never
CRON_TZ=Nowhere/Atlantis
`,
  );
  write(path.join(dir, 'cron.d', 'backup.bak'), '* * * * * root echo never\n');
  const cron = startCron(['--no-watch', '--state', path.join(dir, 'state'), '--system', path.dirname(system)]);
  t.teardown(() => cron.stop('SIGKILL'));
  await waitFor('the good job to run', () => lines(ok).length >= 1);
  const log = cron.log();
  t.regex(log, new RegExp(`nuwa cron: error: ${system}:2: bad schedule '61 \\* \\* \\* \\*': .*59`));
  t.regex(log, new RegExp(`nuwa cron: error: ${system}:3: user 'nuwa-no-such-user' does not exist \\(not in /etc/passwd\\); job refused`));
  t.regex(log, new RegExp(`nuwa cron: error: ${system}:4: unknown keyword @fortnightly`));
  t.regex(log, new RegExp(`nuwa cron: error: ${system}:5: unknown time zone 'Nowhere/Atlantis'`));
  t.regex(log, /nuwa cron: warning: .*backup\.bak: ignored: cron\.d file names may only use/);
  t.regex(log, /nuwa cron: 1 jobs loaded/);
  t.is(await cron.stop(), 0);
});

test('a group-writable system crontab is refused', async (t) => {
  const dir = tempDir('nuwa-t-cron-mode-');
  const system = write(path.join(dir, 'cron.d', 'open'), `* * * * * * root touch ${dir}/ran\n`, 0o666);
  const cron = startCron(['--no-watch', '--state', path.join(dir, 'state'), '--system', path.dirname(system)]);
  t.teardown(() => cron.stop('SIGKILL'));
  await waitFor('the refusal', () => cron.log().includes('refused: writable by group or others (mode 0666)'));
  // the summary is a later line, which may not have arrived yet when the refusal did
  await waitFor('the load summary', () => /jobs loaded/.test(cron.log()));
  t.regex(cron.log(), /0 jobs loaded/);
  t.is(await cron.stop(), 0);
  t.false(fs.existsSync(path.join(dir, 'ran')));
});

test('a changed crontab is reloaded without a restart', async (t) => {
  const dir = tempDir('nuwa-t-cron-reload-');
  const crontab = write(path.join(dir, 'crontab'), `* * * * * * echo one >> ${dir}/one\n`);
  const cron = startCron(['--state', path.join(dir, 'state'), crontab]);
  t.teardown(() => cron.stop('SIGKILL'));
  await waitFor('the first job', () => lines(path.join(dir, 'one')).length >= 1);
  write(crontab, `* * * * * * echo two >> ${dir}/two\n`);
  // within a second through inotify; where a busy host has no inotify instance left, by the check once a minute
  await waitFor('the new job after the reload', () => lines(path.join(dir, 'two')).length >= 1, { timeoutMs: 90_000 });
  t.regex(cron.log(), /reloaded \(a crontab changed\): 1 jobs/);
  const before = lines(path.join(dir, 'one')).length;
  await waitFor('two more runs of the new job', () => lines(path.join(dir, 'two')).length >= 3);
  t.is(lines(path.join(dir, 'one')).length, before, 'the old job is gone');
  t.is(await cron.stop(), 0);
});

test('@reboot runs once per container start (a restart of nuwa cron is not a reboot)', async (t) => {
  const dir = tempDir('nuwa-t-cron-reboot-');
  const crontab = write(path.join(dir, 'crontab'), `@reboot echo booted >> ${dir}/boots\n`);
  const state = path.join(dir, 'run-nuwa');
  for (let i = 0; i < 2; i++) {
    const cron = startCron(['--no-watch', '--state', state, crontab]);
    await waitFor('cron started', () => cron.log().includes('jobs loaded'));
    if (i === 0) await waitFor('the @reboot job', () => /job crontab:1 exited 0/.test(cron.log()));
    t.is(await cron.stop(), 0);
  }
  t.deepEqual(lines(path.join(dir, 'boots')), ['booted']);
});

test('at stop, a running job may finish within the grace time; past it, it is stopped', async (t) => {
  const dir = tempDir('nuwa-t-cron-stop-');
  const crontab = write(path.join(dir, 'crontab'), `@reboot echo $$ > ${dir}/pid; sleep 1; echo finished > ${dir}/finished\n`);
  const graceful = startCron(['--no-watch', '--grace', '20000', '--state', path.join(dir, 's1'), crontab]);
  await waitFor('the job to start', () => fs.existsSync(path.join(dir, 'pid')));
  t.is(await graceful.stop(), 0);
  t.is(fs.readFileSync(path.join(dir, 'finished'), 'utf8'), 'finished\n', 'the job finished before cron exited');

  const slow = write(path.join(dir, 'slow'), `@reboot echo $$ > ${dir}/slowpid; exec sleep 300\n`);
  const impatient = startCron(['--no-watch', '--grace', '300', '--state', path.join(dir, 's2'), slow]);
  // its pid written, not just the file created: the job may be stopped before the shell writes it
  await waitFor('the slow job to start', () => /^\d+\n$/.test(fs.readFileSync(path.join(dir, 'slowpid'), 'utf8')));
  t.is(await impatient.stop(), 0);
  const pid = Number(fs.readFileSync(path.join(dir, 'slowpid'), 'utf8'));
  t.throws(() => process.kill(pid, 0), undefined, 'the job was stopped');
  t.regex(impatient.log(), /grace time over: stopping the jobs still running/);
  t.regex(impatient.log(), /job slow:1 was killed by SIGTERM/);
});

test('the grace time defaults to S6_SERVICES_GRACETIME; a value that is not a number of ms is said in one line', async (t) => {
  const dir = tempDir('nuwa-t-cron-grace-');
  const slow = write(path.join(dir, 'slow'), `@reboot echo $$ > ${dir}/slowpid; exec sleep 300\n`);
  const cron = startCron(['--no-watch', '--state', path.join(dir, 's'), slow], { env: { S6_SERVICES_GRACETIME: '300' } });
  await waitFor('the slow job to start', () => fs.existsSync(path.join(dir, 'slowpid')));
  t.is(await cron.stop(), 0);
  t.regex(cron.log(), /waiting up to 300 ms for 1 running/);
  t.regex(cron.log(), /grace time over: stopping the jobs still running/);

  const check = startCron(['--check', write(path.join(dir, 'good'), '@reboot echo up\n')], { env: { S6_SERVICES_GRACETIME: '3s' } });
  t.is(await check.stop('SIGCONT'), 0);
  t.is(
    check
      .log()
      .split('\n')
      .filter((l) => l.includes('S6_SERVICES_GRACETIME'))
      .join('\n'),
    'nuwa cron: warning: S6_SERVICES_GRACETIME="3s" is not a number of milliseconds: using 3000',
  );
});

test('--check prints next runs and exits 1 naming each bad line; --list shows the schedule', async (t) => {
  const dir = tempDir('nuwa-t-cron-check-');
  const good = write(path.join(dir, 'good'), 'CRON_TZ=Europe/Berlin\n30 2 * * * echo nightly\n@reboot echo up\n');
  const bad = write(path.join(dir, 'bad'), '30 2 * * * echo fine\n* * * echo short\n0 0 32 * * echo never\n');
  const run = (args: string[]) => {
    const cron = startCron(args, { env: { TZ: 'UTC' } });
    return cron.stop('SIGCONT').then((code) => ({ code, log: cron.log() }));
  };
  const ok = await run(['--check', '--runs', '2', good]);
  t.is(ok.code, 0, ok.log);
  t.regex(
    ok.log,
    new RegExp(
      `${good}:2  root  30 2 \\* \\* \\*  \\(Europe/Berlin\\)  echo nightly\\n` +
        `    next: \\d{4}-\\d\\d-\\d\\d 02:30:00 \\+0[12]:00, \\d{4}-\\d\\d-\\d\\d 02:30:00 \\+0[12]:00\\n`,
    ),
  );
  t.regex(ok.log, /@reboot .*\n {4}runs once when nuwa cron first starts/);
  const ko = await run(['--check', bad]);
  t.is(ko.code, 1);
  t.regex(ko.log, new RegExp(`nuwa cron: ${bad}:2: expected 5 time fields`));
  t.regex(ko.log, new RegExp(`nuwa cron: ${bad}:3: bad schedule '0 0 32 \\* \\*'`));
  t.regex(ko.log, new RegExp(`${bad}:1  root  30 2 \\* \\* \\*  \\(UTC\\)  echo fine`));
  const list = await run(['--list', '--system', path.join(dir, 'nothing-here')]);
  t.is(list.code, 1);
  t.regex(list.log, /nothing-here: not found/);
});

test("supervised by Debian's s6-svscan: jobs run, and `s6-svc -d` lets the running job finish", async (t) => {
  const svscan = requireCommand('s6-svscan', 's6');
  const dir = tempDir('nuwa-t-cron-s6-');
  const crontab = write(path.join(dir, 'crontab'), `* * * * * * echo start >> ${dir}/starts; sleep 2; echo end >> ${dir}/ends\n`);
  const service = path.join(dir, 'scan', 'cron');
  write(
    path.join(service, 'run'),
    `#!/bin/sh\nexec ${nuwaBinary()} cron --no-watch --grace 10000 --state ${dir}/state ${crontab} 2>>${dir}/cron.log\n`,
    0o755,
  );
  const scanner = spawn(svscan, [path.join(dir, 'scan')], { stdio: 'ignore', detached: true });
  t.teardown(() => {
    try {
      process.kill(-(scanner.pid as number), 'SIGKILL');
    } catch {
      // already gone
    }
  });
  await waitFor('two job runs', () => lines(path.join(dir, 'ends')).length >= 2, { timeoutMs: 30_000 });
  // Stop while a run is under way: it must end before nuwa cron exits.
  await waitFor('a run under way', () => lines(path.join(dir, 'starts')).length > lines(path.join(dir, 'ends')).length, { intervalMs: 10 });
  execFileSync(requireCommand('s6-svc', 's6'), ['-wd', '-T', '20000', '-d', service]);
  const status = execFileSync(requireCommand('s6-svstat', 's6'), [service], { encoding: 'utf8' });
  t.regex(status, /^down \(exitcode 0\)/);
  t.is(lines(path.join(dir, 'starts')).length, lines(path.join(dir, 'ends')).length, 'every started run ended');
  t.regex(fs.readFileSync(path.join(dir, 'cron.log'), 'utf8'), /SIGTERM: starting no new job; waiting up to 10000 ms for 1 running/);
  execFileSync(requireCommand('s6-svscanctl', 's6'), ['-t', path.join(dir, 'scan')]);
});
