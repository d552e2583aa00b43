/**
 * Less travelled paths of s6-supervise and s6-svscan, compared under Debian's s6 and nuwa: timeout-kill, down-signal,
 * a paused service taken down, letters while finish runs, -x on a down service, readiness edge cases, and the end of
 * the scanner (svscanctl -t with .s6-svscan/finish and a logger that must get its last line).
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requireCommand } from '../helpers';
import { assertSame, catLogger, differential, journaled, journaledFinish, rootPath } from './harness';

test.before(() => {
  for (const tool of ['s6-svscan', 's6-svc', 's6-svstat', 's6-svscanctl', 's6-svdt']) requireCommand(tool, 's6');
  requireCommand('perl', 'perl-base'); // signal-trapping run scripts
});

/** A run that ignores SIGTERM (and journals it), so only SIGKILL stops it; ready once its handler is set. */
const STUBBORN = journaled(
  `exec perl -e '$SIG{TERM} = sub { open my $j, ">>", "@JOURNAL@"; print $j "ignored TERM\\n"; close $j }; ` +
    `open my $n, ">&=3"; print $n "\\n"; close $n; sleep while 1;'`,
);

test('timeout-kill: a run that ignores SIGTERM is killed after timeout-kill ms', async (t) => {
  const result = await differential({
    // timeout-kill long enough for perl's TERM handler to journal on a busy machine before the SIGKILL
    services: { stubborn: { run: STUBBORN, finish: journaledFinish(), files: { 'timeout-kill': '2000\n', 'notification-fd': '3\n' } } },
    async steps(trial) {
      await trial.until('stubborn ready', () => trial.count('stubborn', 'U') === 1);
      trial.svc('stubborn', '-d');
      await trial.until('stubborn killed', () => trial.count('stubborn', 'D') === 1);
      await trial.snapshot('-d: SIGTERM ignored, SIGKILL after timeout-kill');
    },
  });
  assertSame(t, result);
});

test('down-signal: -d and -r send it instead of SIGTERM; an invalid one falls back to SIGTERM', async (t) => {
  const result = await differential({
    services: {
      hup: { run: journaled('exec sleep 100111'), finish: journaledFinish(), files: { 'down-signal': 'SIGHUP\n' } },
      usr1: { run: journaled('exec sleep 100112'), finish: journaledFinish(), files: { 'down-signal': 'USR1\n' } },
      bogus: { run: journaled('exec sleep 100113'), finish: journaledFinish(), files: { 'down-signal': 'NOSUCHSIG\n' } },
    },
    async steps(trial) {
      // started and journaled: a down-signal that reaches a run script before its first line would lose that line
      for (const s of ['hup', 'usr1', 'bogus']) await trial.untilStarted(s, 1);
      for (const s of ['hup', 'usr1', 'bogus']) trial.svc(s, '-r');
      await trial.until('all restarted', () => ['hup', 'usr1', 'bogus'].every((s) => trial.count(s, 'u') === 2));
      await trial.snapshot('-r: each died of its down-signal and was restarted');
      for (const s of ['hup', 'usr1', 'bogus']) trial.svc(s, '-d');
      await trial.until('all down', () => ['hup', 'usr1', 'bogus'].every((s) => trial.count(s, 'D') === 2));
      await trial.snapshot('-d: each died of its down-signal');
    },
  });
  assertSame(t, result);
});

test('a paused service taken down gets SIGTERM then SIGCONT, and dies', async (t) => {
  const result = await differential({
    services: { frozen: { run: journaled('exec sleep 100121'), finish: journaledFinish() } },
    async steps(trial) {
      await trial.untilStarted('frozen', 1); // not just spawned: SIGSTOP before its first line would lose that line
      trial.svc('frozen', '-p');
      await trial.until('frozen paused', () => trial.fields('frozen')['paused'] === 'true');
      trial.svc('frozen', '-d');
      await trial.until('frozen down', () => trial.count('frozen', 'D') === 1);
      await trial.snapshot('-p then -d: down, not paused');
    },
  });
  assertSame(t, result);
});

test('while finish runs: signal letters are ignored, -d/-u only change what is wanted', async (t) => {
  const result = await differential({
    services: {
      // timeout-finish far away: on a loaded machine the steps below may outlast s6's default 5 s, and then finish
      // is killed (by either supervisor) before the snapshot this test is about
      fin: {
        run: journaled('exec sleep 100131'),
        finish: journaledFinish(`read x < ${rootPath('finish-go')}`),
        files: { 'timeout-finish': '120000\n' },
      },
    },
    prepare: (trial) => trial.makeTrigger('finish-go'),
    async steps(trial) {
      await trial.untilStarted('fin', 1); // not just spawned: -d's SIGTERM before its first line would lose that line
      trial.svc('fin', '-d');
      await trial.until('finish running', () => trial.count('fin', 'd') === 1 && trial.journal('fin').length === 2);
      trial.svc('fin', '-k');
      trial.svc('fin', '-u');
      await trial.until('want up recorded', () => trial.fields('fin')['wantedup'] === 'true');
      await trial.snapshot('finish still running: -k ignored, want up');
      trial.trigger('finish-go');
      await trial.until('finish done, run restarted', () => trial.count('fin', 'D') === 1 && trial.count('fin', 'u') === 2);
      await trial.snapshot('finish ended: restarted because wanted up');
    },
  });
  assertSame(t, result);
});

test('-x on a down service: the supervisor exits at once and the scanner starts a new one', async (t) => {
  const result = await differential({
    services: { idle: { run: journaled('exec sleep 100141'), files: { down: '' } } },
    async steps(trial) {
      await trial.until('idle supervised', () => trial.events('idle') === 's');
      trial.svc('idle', '-x');
      await trial.until('a new supervisor', () => trial.count('idle', 's') === 2);
      await trial.snapshot('-x: x, then s from the new supervisor; still down');
    },
  });
  assertSame(t, result);
});

test('readiness: bytes before the newline are ignored; EOF without a newline never makes the service ready', async (t) => {
  const result = await differential({
    services: {
      chatty: { run: journaled('printf "starting... " >&3\nprintf "ok\\n" >&3\nexec sleep 100151'), files: { 'notification-fd': '3\n' } },
      mute: { run: journaled('printf "no newline" >&3\nexec 3>&-\nexec sleep 100152'), files: { 'notification-fd': '3\n' } },
    },
    async steps(trial) {
      await trial.until('chatty ready, mute up', () => trial.count('chatty', 'U') === 1 && trial.count('mute', 'u') === 1);
      await trial.until('mute closed its notification fd', () => trial.processes().includes('sleep 100152'));
      await trial.snapshot('chatty ready; mute up, never ready');
    },
  });
  assertSame(t, result);
});

test('svscanctl -t: services and loggers stopped, the logger gets the last line, .s6-svscan/finish runs', async (t) => {
  const result = await differential({
    services: {
      talker: {
        run: journaled(`trap 'echo "talker: bye"; exit 0' TERM\necho "talker: hello"\nwhile :; do sleep 1; done`),
        finish: journaledFinish(),
        log: catLogger('talker'),
      },
    },
    loggers: ['talker'],
    shellServices: ['talker'],
    prepare(trial) {
      const finish = path.join(trial.scandir, '.s6-svscan', 'finish');
      fs.mkdirSync(path.dirname(finish), { recursive: true });
      fs.writeFileSync(finish, `#!/bin/sh\necho "svscan finish $# $(pwd)" >> ${trial.root}/svscan-finish\n`, { mode: 0o755 });
    },
    async steps(trial) {
      await trial.until('talker said hello', () => trial.logged('talker') === 'talker: hello\n');
      trial.svscanctl('-t');
      await trial.until('the scanner exited', () => trial.scannerExited());
      const finish = fs.readFileSync(path.join(trial.root, 'svscan-finish'), 'utf8').replaceAll(trial.root, '<root>');
      await trial.snapshot('after -t: everything down, last line logged', { '.s6-svscan/finish': finish });
    },
  });
  assertSame(t, result);
});

test('bad input: run not executable, notification-fd holding garbage, random bytes in supervise/control', async (t) => {
  const result = await differential({
    services: {
      noexec: { run: journaled('exec sleep 100201') },
      garbage: { run: journaled('echo >&3\nexec sleep 100202'), files: { 'notification-fd': 'three\n' } },
      ctl: { run: journaled('exec sleep 100203'), files: { down: '' } },
    },
    prepare: (trial) => fs.chmodSync(path.join(trial.dir('noexec'), 'run'), 0o644),
    async steps(trial) {
      await trial.until('garbage up, ctl supervised', () => trial.count('garbage', 'u') === 1 && trial.events('ctl') === 's');
      // Unknown bytes are ignored; the one known letter among them (u) is obeyed.
      fs.writeFileSync(path.join(trial.dir('ctl'), 'supervise', 'control'), Buffer.from('Z!\x00\xffu?\n'));
      await trial.until('ctl up', () => trial.count('ctl', 'u') === 1);
      await trial.snapshot('noexec never up, garbage up but never ready, ctl started by the u among the junk');
    },
  });
  assertSame(t, result);
});
