/**
 * A flood of signals (issue 18, item 7): hundreds of thousands of SIGHUP (rescan) a second at the scanner. Node hands every
 * signal to JavaScript through libuv, which drops signals while its internal pipe is full; a SIGCHLD dropped there
 * left a dead service unseen for ever (`up … want down` after s6-svc -d, a scanner that never finished). Now routed
 * signals are handled once per turn of the loop, and after a burst the reaper makes libuv look for dead children again.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { requireCommand, tempDir, waitFor } from '../helpers';
import { run, startScanner, svstatFields, writeService } from '../helpers/s6';

const FLOOD_MS = 5000;

/** A small C program that sends SIGNAL to PID as fast as it can for MS milliseconds (Node's process.kill is ~10× slower). */
const FLOODER = `#include <signal.h>
#include <stdlib.h>
#include <time.h>
int main(int argc, char **argv) {
  int sig = atoi(argv[1]), pid = atoi(argv[2]);
  struct timespec now, end;
  clock_gettime(CLOCK_MONOTONIC, &end);
  end.tv_sec += atoi(argv[3]) / 1000;
  do {
    for (int i = 0; i < 1000; i++) kill(pid, sig);
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while (now.tv_sec < end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec < end.tv_nsec));
  return 0;
}
`;

function buildFlooder(): string {
  const dir = tempDir('nuwa-flooder-');
  fs.writeFileSync(path.join(dir, 'flood.c'), FLOODER);
  execFileSync(requireCommand('gcc'), ['-O2', '-o', path.join(dir, 'flood'), path.join(dir, 'flood.c')]);
  return path.join(dir, 'flood');
}

/** Two flooders at once (the machine has at least two CPUs): ~10^5–10^6 signals a second. */
function flood(pid: number, signal: number): Promise<void> {
  const flooder = buildFlooder();
  const runs = [0, 1].map(
    () => new Promise<void>((resolve) => spawn(flooder, [String(signal), String(pid), String(FLOOD_MS)]).once('exit', () => resolve())),
  );
  return Promise.all(runs).then(() => undefined);
}

const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').length - 1 : 0);

test('a flood of SIGHUP at nuwa svscan: a crash-looping service keeps restarting, then stops and the scanner ends', async (t) => {
  const scandir = tempDir('nuwa-sigflood-');
  const starts = path.join(tempDir(), 'starts');
  // dies after 20 ms, restarted at once: a SIGCHLD every few tens of ms, during the flood too
  const dir = writeService(path.join(scandir, 'c'), {
    run: `echo x >> ${starts}\nexec sleep 0.02`,
    files: { 'nuwa-restart-min-uptime': '0' },
  });
  const scanner = await startScanner('nuwa', scandir);
  try {
    await waitFor('the service restarting', () => lines(starts) >= 3);
    const pid = scanner.process.pid as number;
    const before = lines(starts);
    await flood(pid, 1); // SIGHUP: rescan and prune, each time it is handled
    t.log(`${lines(starts) - before} starts during the flood`);
    const after = lines(starts);
    await waitFor('the service still restarting after the flood', () => lines(starts) >= after + 5);
    t.is(run('s6-svc', ['-d', dir]).status, 0);
    await waitFor('the service down', () => svstatFields(dir, ['up'])['up'] === 'false');
    t.is(run('s6-svscanctl', ['-t', scandir]).status, 0);
    await waitFor('the scanner finished', () => scanner.process.exitCode !== null);
    t.is(scanner.process.exitCode, 0, scanner.output());
  } finally {
    await scanner.stop();
  }
});
