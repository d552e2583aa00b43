/** Signals sent to PID 1 reach the main program; SIGTERM/SIGINT end the container within the grace time. */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir, waitFor } from '../helpers';
import { runAsPid1 } from '../helpers/pid1';

const FORWARDED = ['HUP', 'QUIT', 'USR1', 'USR2', 'WINCH', 'INT', 'TERM'] as const;

/** A main program that records every signal it gets; `wait` returns at once when a trapped signal arrives. */
function recorder(file: string, onStop: string): string[] {
  const traps = FORWARDED.map((sig) =>
    sig === 'TERM' || sig === 'INT' ? `trap 'echo ${sig} >> ${file}; ${onStop}' ${sig}` : `trap 'echo ${sig} >> ${file}' ${sig}`,
  );
  return ['sh', '-c', `${traps.join('\n')}\necho ready >> ${file}\nwhile :; do sleep 1 & wait $!; done`];
}

const received = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

test('every forwarded signal reaches the main program; SIGTERM then ends it with its own exit code', async (t) => {
  const file = path.join(tempDir(), 'signals');
  const run = runAsPid1(recorder(file, 'exit 7'));
  const pid = await run.hostPid();
  await waitFor('the main program to start', () => received(file).includes('ready'));
  for (const sig of FORWARDED.filter((s) => s !== 'TERM' && s !== 'INT')) {
    process.kill(pid, `SIG${sig}`);
    await waitFor(`SIG${sig} to reach the main program`, () => received(file).includes(sig));
  }
  process.kill(pid, 'SIGTERM');
  const result = await run.finished;
  t.deepEqual(received(file), ['ready', 'HUP', 'QUIT', 'USR1', 'USR2', 'WINCH', 'TERM']);
  t.is(result.code, 7, result.stderr);
});

test('SIGINT is forwarded and starts the shutdown too', async (t) => {
  const file = path.join(tempDir(), 'signals');
  const run = runAsPid1(recorder(file, 'exit 130'));
  const pid = await run.hostPid();
  await waitFor('the main program to start', () => received(file).includes('ready'));
  process.kill(pid, 'SIGINT');
  const result = await run.finished;
  t.deepEqual(received(file), ['ready', 'INT']);
  t.is(result.code, 130);
});

test('a main program that ignores SIGTERM is killed after S6_KILL_GRACETIME: exit 137', async (t) => {
  const file = path.join(tempDir(), 'ready');
  const run = runAsPid1(['sh', '-c', `trap '' TERM; echo up > ${file}; while :; do sleep 1; done`], { S6_KILL_GRACETIME: '500' });
  const pid = await run.hostPid();
  await waitFor('the main program to start', () => fs.existsSync(file));
  process.kill(pid, 'SIGTERM');
  const result = await run.finished;
  t.is(result.code, 137);
  t.regex(result.stderr, /still running 500 ms after the stop signal: SIGKILL/);
});

test('processes left behind by the main program get SIGTERM, then SIGKILL after the grace time', async (t) => {
  const dir = tempDir();
  const polite = path.join(dir, 'polite');
  // One leftover leaves on SIGTERM (and says so); one ignores it and must be killed. The main program exits once both
  // have set their traps (a fixed sleep guarantees nothing on a busy machine: SIGTERM could find them untrapped).
  const script = `(trap 'echo bye > ${polite}; exit 0' TERM; : > ${dir}/polite-trapped; while :; do sleep 1 & wait $!; done) &
(trap '' TERM; : > ${dir}/stubborn-trapped; while :; do sleep 1; done) &
for i in $(seq 400); do [ -e ${dir}/polite-trapped ] && [ -e ${dir}/stubborn-trapped ] && break; sleep 0.05; done; exit 9`;
  const result = await runAsPid1(['sh', '-c', script], { S6_KILL_GRACETIME: '800' }).finished;
  t.is(result.code, 9, result.stderr);
  t.is(fs.readFileSync(polite, 'utf8'), 'bye\n');
  t.regex(result.stderr, /still running after the grace time, sending SIGKILL/);
});

test('each signal reaches the main program exactly once (passed on from the signal handler, never again from JS)', async (t) => {
  const file = path.join(tempDir(), 'signals');
  const signals = ['SIGHUP', 'SIGUSR2', 'SIGWINCH', 'SIGQUIT'] as const;
  // Node as the main program: it counts every delivery, where sh's trap merges two that come close together.
  const script = `const fs = require('node:fs');
for (const s of ${JSON.stringify([...signals, 'SIGTERM'])}) process.on(s, () => {
  fs.appendFileSync(${JSON.stringify(file)}, s + '\\n');
  if (s === 'SIGTERM') process.exit(5);
});
fs.appendFileSync(${JSON.stringify(file)}, 'ready\\n');
setInterval(() => undefined, 1000);`;
  const run = runAsPid1([process.execPath, '-e', script]);
  const pid = await run.hostPid();
  await waitFor('the main program to start', () => received(file).includes('ready'));
  const expected = ['ready'];
  for (let round = 0; round < 3; round++) {
    for (const signal of signals) {
      process.kill(pid, signal);
      expected.push(signal);
      await waitFor(`${signal} (round ${round + 1}) to reach the main program`, () => received(file).length >= expected.length);
    }
  }
  process.kill(pid, 'SIGTERM');
  const result = await run.finished;
  t.deepEqual(received(file), [...expected, 'SIGTERM'], result.stderr);
  t.is(result.code, 5, result.stderr);
});
