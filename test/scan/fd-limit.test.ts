/**
 * A small open-files limit (issue 18, item 4). Debian's s6-svscan gives each service its own s6-supervise process,
 * each with a whole limit; nuwa's supervisors share one process and one limit. Under `prlimit --nofile=64` with 30
 * services nuwa used to open every supervisor's files first, leaving nothing to spawn with: no service started at
 * all, and every settings file was reported unreadable. Now as many start as fit with a reserve kept for spawning,
 * the rest wait (said once, with the limit), and a waiting service starts when a running one is removed.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requireCommand, tempDir, waitFor } from '../helpers';
import { run, startScanner, writeService, type ScannerKind } from '../helpers/s6';

const SERVICES = 30;
const LIMIT = 64;

function writeServices(scandir: string): string[] {
  const dirs = [];
  for (let i = 1; i <= SERVICES; i++) {
    dirs.push(writeService(path.join(scandir, `s${String(i).padStart(2, '0')}`), { run: 'touch started\nexec sleep 1000' }));
  }
  return dirs;
}

const started = (dirs: string[]) => dirs.filter((dir) => fs.existsSync(path.join(dir, 'started')));

function underLimit(kind: ScannerKind, scandir: string) {
  return startScanner(kind, scandir, {}, [requireCommand('prlimit', 'util-linux'), `--nofile=${LIMIT}:${LIMIT}`, '--']);
}

test(`the reference: Debian's s6-svscan starts all ${SERVICES} services under ulimit -n ${LIMIT}`, async (t) => {
  const scandir = tempDir('nuwa-fdlimit-');
  const dirs = writeServices(scandir);
  const scanner = await underLimit('s6', scandir);
  try {
    await waitFor(`${SERVICES} services started by s6`, () => started(dirs).length === SERVICES);
    t.pass();
  } finally {
    await scanner.stop();
  }
});

test(`nuwa svscan under ulimit -n ${LIMIT}: as many as fit start; the rest wait, said once, and start when some are freed`, async (t) => {
  const scandir = tempDir('nuwa-fdlimit-');
  const dirs = writeServices(scandir);
  const scanner = await underLimit('nuwa', scandir);
  try {
    const said = await waitFor('the line saying services wait for descriptors', () =>
      /out of file descriptors \(limit (\d+)\): (\d+) services wait \(s\d+/.exec(scanner.output()),
    );
    t.is(Number(said[1]), LIMIT);
    const waiting = Number(said[2]);
    t.true(waiting > 0 && waiting < SERVICES, `${waiting} of ${SERVICES} wait`);
    // Every service that was given descriptors actually runs: nothing is left to fail at spawn time. (More may start
    // later than the line counted: descriptors held for a moment by spawns in flight are freed and the retry admits
    // another; so the count is a floor.)
    await waitFor(`${SERVICES - waiting} services started`, () => started(dirs).length >= SERVICES - waiting);
    const before = started(dirs);
    t.true(before.length < SERVICES, 'some services still wait');

    // Removing running services frees their descriptors: as many waiting ones start in their place. s6-svscanctl -an
    // says they are gone, as under s6 (nuwa's watcher would too, but it needs an inotify instance, which a busy host
    // may have none of: that is not what this test is about).
    const removed = before.slice(0, 3);
    for (const dir of removed) fs.rmSync(dir, { recursive: true });
    t.is(run('s6-svscanctl', ['-an', scandir]).status, 0);
    const left = dirs.filter((dir) => !removed.includes(dir));
    await waitFor(`${removed.length} waiting services started in the place of the removed ones`, () => {
      return started(left).length >= before.length;
    }).catch((err: Error) => {
      throw new Error(`${err.message}; ${started(left).length} of ${before.length} run; the scanner said:\n${scanner.output()}`);
    });

    const output = scanner.output();
    t.is(output.match(/out of file descriptors/g)?.length, 1, output); // said once, not per service
    const aboutServices = output
      .split('\n')
      .filter((line) => !line.includes('cannot watch'))
      .join('\n');
    const failures = /cannot read|cannot spawn|cannot supervise|EMFILE|exited 126/;
    t.notRegex(aboutServices, failures, 'no service is failed for want of a descriptor');
    t.is(scanner.process.exitCode, null);
  } finally {
    await scanner.stop();
  }
});
