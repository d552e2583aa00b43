/**
 * A SIGTERM sent to PID 1 right after it started is not lost (issue 18, item 2).
 *
 * In a PID namespace the kernel drops a signal to PID 1 while PID 1 has no handler for it. nuwa holds the signals it
 * passes on from the first statement of its bundle (supervisor/src/entry.ts) and hands what it held to the main
 * program once that runs. What comes before that statement is Node's own start-up, which no JavaScript can shorten,
 * so "as early as it can be sent" is: the moment nuwa's first JavaScript handler exists. That moment is seen from
 * outside in /proc/PID/status (SigCgt): Node's start-up catches SIGINT, SIGTERM, SIGUSR1 and SIGSEGV (and SIGTERM
 * there only to reset the terminal and die of it), never SIGHUP, SIGQUIT, SIGUSR2 or SIGWINCH: once all four are
 * caught, nuwa's holders are in place, SIGTERM's included.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { childrenOf } from '../../supervisor/src/sys/process-tree';
import { killTree, nuwaBinary } from '../helpers';
import { spawnInPidNamespace, track, type Finished } from '../helpers/pid1';

/** SIGHUP, SIGQUIT, SIGUSR2, SIGWINCH: forwarded signals Node's own start-up never catches (bit n-1 for signal n). */
const HOLDERS = [1, 3, 12, 28].reduce((mask, signal) => mask | (1n << BigInt(signal - 1)), 0n);

/** The caught-signals mask of `pid`, or undefined while it cannot be read. */
function caught(pid: number): bigint | undefined {
  try {
    const match = /^SigCgt:\s*([0-9a-f]+)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'));
    return match ? BigInt(`0x${match[1] as string}`) : undefined;
  } catch {
    return undefined;
  }
}

function exe(pid: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}

function mapsAddon(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/maps`, 'latin1').includes('nuwa_native');
  } catch {
    return false;
  }
}

/**
 * Busy-waits (synchronously: no event-loop turn between seeing the holders and sending) until the process `findPid`
 * names is nuwa with its holders in place, then sends `signal` at once. Returns whether nuwa's native addon was still
 * unloaded just after the signal went: the signal then came before nuwa had done any of its own start-up.
 */
function signalAtFirstHandler(findPid: () => number | undefined, signal: NodeJS.Signals): { pid: number; beforeAddon: boolean } {
  const nuwa = fs.realpathSync(nuwaBinary());
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error('nuwa did not install a signal handler within 20 s');
    const pid = findPid();
    if (pid === undefined || exe(pid) !== nuwa) continue;
    const mask = caught(pid);
    if (mask === undefined || (mask & HOLDERS) !== HOLDERS) continue;
    process.kill(pid, signal);
    return { pid, beforeAddon: !mapsAddon(pid) };
  }
}

function finished(child: ReturnType<typeof spawn>, timeoutMs: number): Promise<Finished | 'hang'> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      killTree(child.pid as number);
      resolve('hang');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const RUNS = 10;

test('a SIGTERM sent to PID 1 as early as nuwa can hold it reaches the main program, every time', async (t) => {
  const main = ['sh', '-c', 'trap "echo got; exit 7" TERM; while :; do sleep 0.1; done'];
  const codes: (number | string | null)[] = [];
  let beforeAddon = 0;
  for (let run = 0; run < RUNS; run++) {
    const child = spawnInPidNamespace([nuwaBinary(), 'init', '--plain', ...main]);
    const done = finished(child, 15_000);
    const sent = signalAtFirstHandler(() => childrenOf(child.pid as number)[0], 'SIGTERM');
    if (sent.beforeAddon) beforeAddon++;
    const result = await done;
    codes.push(result === 'hang' ? 'hang' : result.code);
    if (result !== 'hang') t.true(result.code === 7 || result.code === 143, `run ${run}: exit ${result.code}: ${result.stderr}`);
  }
  t.log(`exit codes: ${codes.join(' ')}; signal sent before the addon was loaded in ${beforeAddon} of ${RUNS} runs`);
  t.false(codes.includes('hang'), `the main program never got the SIGTERM in some runs: exit codes ${codes.join(' ')}`);
  // Today's order would be: everything loaded, then a handler. Scheduling may let nuwa run ahead of this poller now
  // and then, so most runs, not all, must show the signal held before the addon was loaded.
  t.true(
    beforeAddon >= RUNS / 2,
    `the signal came before nuwa loaded its addon in only ${beforeAddon} of ${RUNS} runs: its handler comes late in its start-up`,
  );
});

test('a tool, not PID 1, holds no signal: a SIGINT right after it set up its own handlers ends it, every time', async (t) => {
  // Holding and then giving signals back lost some for good: libuv drops a signal it caught but had not handed over
  // when its handle closes. `s6-pause -a` catches SIGALRM itself; a SIGINT sent the moment /proc shows that was
  // ignored 7 times in 10 while tools held signals. A tool no longer holds any.
  const ALRM = 1n << 13n;
  const outcomes: (NodeJS.Signals | number | null | 'hang')[] = [];
  for (let run = 0; run < RUNS; run++) {
    const child = track(spawn(nuwaBinary(), ['s6-pause', '-a'], { stdio: 'ignore' }));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    const deadline = Date.now() + 20_000;
    let mask: bigint | undefined;
    // synchronously, as in signalAtFirstHandler: no turn of our loop between seeing the handler and sending
    while (((mask = caught(child.pid as number)) === undefined || (mask & ALRM) === 0n) && Date.now() < deadline);
    t.is((mask ?? 0n) & HOLDERS, 0n, 'a tool catches none of the signals init holds');
    child.kill('SIGINT');
    const timeout = new Promise<'hang'>((resolve) => setTimeout(() => resolve('hang'), 15_000).unref());
    outcomes.push(await Promise.race([exited, timeout]));
    if (child.exitCode === null && child.signalCode === null) killTree(child.pid as number);
  }
  t.deepEqual(
    outcomes.filter((o) => o !== 'SIGINT'),
    [],
    `what ended each run: ${outcomes.join(' ')}`,
  );
});
