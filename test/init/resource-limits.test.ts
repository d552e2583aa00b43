/**
 * A main program that cannot be started for want of a resource is reported as that, not as "not executable": under a
 * small open-files limit (EMFILE) or process limit (EAGAIN) `nuwa init` used to exit 126 with Node's raw
 * `spawn true EMFILE`. Now one line names the resource and the limit to raise, and the exit code is 111, s6's code for
 * a temporary system failure. The exact limit at which Node itself still starts depends on the runtime, so each test
 * walks a range of limits and asserts what every run in it shows.
 */
import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, requireCommand, tempDir } from '../helpers';
import { pidsCgroup } from '../helpers/cgroup';

interface Outcome {
  limit: number;
  code: number | null;
  stderr: string;
}

/**
 * `nuwa init --plain true` run through `command` (which execs it under a limit). `tmp` is its TMPDIR: where /run/nuwa
 * cannot be used (another account, or no descriptor left to open it) nuwa unpacks its addon there, not in /tmp.
 */
function run(limit: number, tmp: string, [file, ...args]: [string, ...string[]]): Outcome {
  const result = spawnSync(file, [...args, '--', nuwaBinary(), 'init', '--plain', 'true'], {
    env: { ...process.env, TMPDIR: tmp },
    encoding: 'latin1',
    timeout: 20_000,
    killSignal: 'SIGKILL',
  });
  return { limit, code: result.status, stderr: result.stderr };
}

function describe(outcomes: Outcome[]): string {
  return outcomes.map((o) => `limit ${o.limit}: exit ${o.code}: ${o.stderr.trim()}`).join('\n');
}

/**
 * Every run refused by nuwa's own code exits 111 with `line`, and the walk holds at least one such run and one that
 * started. Runs where Node gave up before any of nuwa's code ran (an abort, or its platform threads' hang) say nothing
 * of nuwa: docs/faults.md.
 */
function assertRefusals(t: ExecutionContext, outcomes: Outcome[], line: RegExp): void {
  const refused = outcomes.filter((o) => o.code !== 0 && o.stderr.includes('nuwa init: error'));
  t.true(refused.length > 0, `no limit was small enough:\n${describe(outcomes)}`);
  t.true(
    outcomes.some((o) => o.code === 0),
    `no limit was large enough:\n${describe(outcomes)}`,
  );
  for (const o of refused) {
    t.is(o.code, 111, describe([o]));
    t.regex(o.stderr, line);
  }
}

test('an open-files limit too small to spawn the main program: exit 111, "out of file descriptors (EMFILE …)"', (t) => {
  const outcomes: Outcome[] = [];
  const tmp = tempDir('nuwa-nofile-');
  for (let limit = 14; limit <= 40; limit += 2) {
    outcomes.push(run(limit, tmp, [requireCommand('prlimit', 'util-linux'), `--nofile=${limit}:${limit}`]));
  }
  assertRefusals(
    t,
    outcomes,
    /nuwa init: error: cannot run 'true': out of file descriptors \(EMFILE: the open-files limit, ulimit -n, is reached\)/,
  );
});

test('a process limit that leaves no room for the main program: exit 111, "cannot create a process (EAGAIN …)"', async (t) => {
  // Under a limit too low for Node's own threads the executable's entry stub refuses before Node starts
  // (test/sys/start-limits-nproc.test.ts), and checks room for 10 threads, more than nuwa init uses: so the main
  // program finds no room only when tasks were used up after that check. A pids cgroup (podman --pids-limit) stands
  // for it: nuwa, here neither PID 1 nor started from outside its PID namespace, does not run the check and sees its
  // limit only when it spawns. Below 7 tasks Node cannot start all its threads, so the walk starts there.
  const cgroup = pidsCgroup('nuwa-test-eagain', 7);
  t.teardown(() => cgroup.remove());
  const outcomes: Outcome[] = [];
  const tmp = tempDir('nuwa-nproc-');
  for (let limit = 7; limit <= 12; limit++) {
    fs.writeFileSync(path.join(cgroup.dir, 'pids.max'), String(limit));
    outcomes.push(run(limit, tmp, cgroup.run(['env'])));
  }
  assertRefusals(
    t,
    outcomes,
    /error: cannot run 'true': cannot create a process \(EAGAIN: the process limit, ulimit -u or the container's pids limit, is reached\)/,
  );
});
