/**
 * nuwa log as the logger of a real service under Debian's s6-svscan: rotation, archive trimming, a killed logger's
 * unfinished file, a clean stop, and no line lost in between.
 */
import test from 'ava';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, requireCommand, tempDir, waitFor } from '../helpers';

const ARCHIVE = /^@[0-9a-f]{24}\.[su]$/;
const STAMPED = /^@[0-9a-f]{24} (run \d+ line \d+)$/;

function writeExecutable(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode: 0o755 });
}

/** Every line of the logdir, archives in name (= time) order then current, without their TAI64N stamps. */
function loggedLines(dir: string): string[] {
  let text: string | undefined;
  // A rotation may rename current between the listing and the reading: then list again.
  const list = () =>
    fs
      .readdirSync(dir)
      .filter((f) => ARCHIVE.test(f))
      .sort();
  for (let attempt = 0; text === undefined; attempt++) {
    const files = list();
    try {
      text = [...files, 'current'].map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('');
      if (list().join() !== files.join()) text = undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (text === undefined && attempt > 50) throw new Error(`${dir} keeps changing while read`);
  }
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const m = STAMPED.exec(l);
      if (!m) throw new Error(`line without a TAI64N stamp: ${JSON.stringify(l)}`);
      return m[1] as string;
    });
}

/** The lines a run of the service prints. */
const LINES_PER_RUN = 150;

/** The logged lines are one unbroken stretch of what the service printed, up to the last line logged. */
function assertContiguous(lines: string[]): void {
  const [, lastRun, lastLine] = /^run (\d+) line (\d+)$/.exec(lines.at(-1) ?? '') ?? [];
  const all: string[] = [];
  for (let run = 1; run <= Number(lastRun); run++) {
    for (let i = 0; i < LINES_PER_RUN && (run < Number(lastRun) || i <= Number(lastLine)); i++) all.push(`run ${run} line ${i}`);
  }
  const tail = all.slice(all.length - lines.length);
  if (JSON.stringify(tail) !== JSON.stringify(lines)) {
    throw new Error(`logged lines are not the last ${lines.length} lines printed (first: ${lines[0]}, last: ${lines.at(-1)})`);
  }
}

test('a service logged through nuwa log rotates, trims, survives a killed logger and stops cleanly', async (t) => {
  const svscan = requireCommand('s6-svscan', 's6');
  const svc = requireCommand('s6-svc', 's6');
  const svscanctl = requireCommand('s6-svscanctl', 's6');
  const nuwa = nuwaBinary();
  const root = tempDir('nuwa-t-log-rot-');
  const scan = path.join(root, 'scan');
  const service = path.join(scan, 'app');
  const logdir = path.join(service, 'log', 'main');
  const counter = path.join(root, 'runs');
  // Each run prints LINES_PER_RUN numbered lines (~20 bytes each, 3 kB), then exits; s6-supervise restarts it.
  writeExecutable(
    path.join(service, 'run'),
    `#!/bin/sh
n=$(( $(cat ${counter} 2>/dev/null || echo 0) + 1 ))
i=0
while [ $i -lt ${LINES_PER_RUN} ]; do echo "run $n line $i"; i=$((i+1)); done
echo $n > ${counter}
exec sleep 0.2
`,
  );
  writeExecutable(path.join(service, 'log', 'run'), `#!/bin/sh\nexec ${nuwa} log -d3 n3 s4096 l0 t ./main\n`);
  fs.writeFileSync(path.join(service, 'log', 'notification-fd'), '3\n');
  // the scanner's (and so the logger's) stderr goes to a file the failure report shows
  const stderrFile = path.join(root, 'svscan.stderr');
  const stderr = fs.openSync(stderrFile, 'w');
  const scanner = spawn(svscan, [scan], { stdio: ['ignore', 'ignore', stderr], detached: true });
  fs.closeSync(stderr);
  t.teardown(() => {
    if (!t.passed) t.log(`s6-svscan's stderr:\n${fs.readFileSync(stderrFile, 'utf8')}`);
    try {
      process.kill(-(scanner.pid as number), 'SIGKILL'); // s6-svscan and its s6-supervise processes
    } catch {
      // already gone
    }
  });
  const runs = () => Number(fs.existsSync(counter) ? fs.readFileSync(counter, 'utf8') : 0);

  // -d3: the logger tells s6-supervise it is ready once its logdir is open.
  await waitFor('s6-supervise of the logger', () => fs.existsSync(path.join(service, 'log', 'supervise', 'status')));
  execFileSync(requireCommand('s6-svwait', 's6'), ['-U', '-t', '20000', path.join(service, 'log')]);
  // (the service is writing already, so current may be between a rotation's rename and its re-creation)
  t.true(
    fs.readdirSync(logdir).some((f) => f === 'current' || ARCHIVE.test(f)),
    'ready means the logdir is open',
  );

  // Rotation and trimming: after a few runs there are exactly 3 archives, all ".s", and the lines are unbroken.
  await waitFor('4 runs of the service', () => runs() >= 4 && fs.readdirSync(logdir).filter((f) => ARCHIVE.test(f)).length >= 3, {
    timeoutMs: 30_000,
  });
  await waitFor('run 4 logged', () => loggedLines(logdir).includes(`run 4 line ${LINES_PER_RUN - 1}`));
  assertContiguous(loggedLines(logdir));
  const archives = fs.readdirSync(logdir).filter((f) => ARCHIVE.test(f));
  t.is(archives.length, 3, `n3 keeps 3 archives: ${archives.join(' ')}`);
  t.true(archives.every((f) => f.endsWith('.s')));
  for (const f of archives) t.true(fs.statSync(path.join(logdir, f)).size >= 4096 - 40, `${f} was rotated near s4096`);
  t.is(fs.statSync(path.join(logdir, 'current')).mode & 0o100, 0, 'current has no x bit while a logger writes it');

  // A killed logger leaves current unfinished: its successor archives it as ".u" and loses no line.
  const before = runs();
  execFileSync(svc, ['-k', path.join(service, 'log')]);
  await waitFor(
    'the restarted logger to archive the unfinished current as .u',
    () => fs.readdirSync(logdir).some((f) => f.endsWith('.u')),
    {
      timeoutMs: 30_000,
    },
  );
  await waitFor(
    'two more runs logged',
    () => runs() >= before + 2 && loggedLines(logdir).includes(`run ${before + 2} line ${LINES_PER_RUN - 1}`),
    {
      timeoutMs: 30_000,
    },
  );

  // A clean stop: the logger reads end of file, finalizes current (x bit) and exits.
  execFileSync(svc, ['-d', service]);
  execFileSync(svscanctl, ['-t', scan]);
  await waitFor('s6-svscan to exit', () => scanner.exitCode !== null || scanner.signalCode !== null, { timeoutMs: 30_000 });
  await waitFor('current finalized with its x bit', () => (fs.statSync(path.join(logdir, 'current')).mode & 0o100) !== 0);
  assertContiguous(loggedLines(logdir));
});
