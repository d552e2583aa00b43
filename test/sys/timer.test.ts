/**
 * sys/timer.ts: a delay of any length fires when it is due, not after Node's 1 ms for anything above 2^31−1 ms;
 * sys/rate-limit.ts: a flood of one warning is one line a period, with a count; sys/process-warnings.ts: Node's own
 * warnings become lines of nuwa's log, never `(node:N) …` on the console.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { after, every, MAX_TIMER_MS, sleep } from '../../supervisor/src/sys/timer';
import { RateLimited, type Summary } from '../../supervisor/src/sys/rate-limit';
import { ROOT } from '../helpers';

/** Replaces the global setTimeout for `body`: records each delay asked for; `fire()` runs the earliest pending one. */
function withFakeTimers(body: (clock: { asked: number[]; fire: () => void; pending: () => number }) => void): void {
  const real = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout };
  const asked: number[] = [];
  const queue = new Map<number, () => void>();
  let next = 1;
  const fake = ((callback: () => void, ms: number) => {
    asked.push(ms);
    const id = next++;
    queue.set(id, callback);
    return { unref: () => undefined, ref: () => undefined, [Symbol.toPrimitive]: () => id, id };
  }) as unknown as typeof setTimeout;
  globalThis.setTimeout = fake;
  globalThis.clearTimeout = ((handle: { id: number } | undefined) => handle && queue.delete(handle.id)) as typeof clearTimeout;
  try {
    body({
      asked,
      pending: () => queue.size,
      fire() {
        const [id, callback] = queue.entries().next().value as [number, () => void];
        queue.delete(id);
        callback();
      },
    });
  } finally {
    Object.assign(globalThis, real);
  }
}

test('after(3000000000): Node timers of at most 2^31−1 ms chained, the callback only at the end', (t) => {
  withFakeTimers((clock) => {
    let fired = 0;
    after(3_000_000_000, () => fired++);
    t.deepEqual(clock.asked, [MAX_TIMER_MS]);
    clock.fire();
    t.is(fired, 0);
    t.deepEqual(clock.asked, [MAX_TIMER_MS, 3_000_000_000 - MAX_TIMER_MS]);
    clock.fire();
    t.is(fired, 1);
    t.is(clock.pending(), 0);
  });
});

test('after: short delays are one timer; cancel stops a chain half-way; NaN and negative delays mean at once', (t) => {
  withFakeTimers((clock) => {
    after(5000, () => undefined);
    t.deepEqual(clock.asked, [5000]);
    let fired = false;
    const long = after(2 * MAX_TIMER_MS + 5, () => (fired = true));
    clock.fire(); // the 5000 ms one
    clock.fire(); // the first piece of the long one
    t.true(long.pending);
    long.cancel();
    t.false(long.pending);
    t.is(clock.pending(), 0);
    t.false(fired);
    after(Number.NaN, () => undefined);
    after(-3, () => undefined);
    t.deepEqual(clock.asked.slice(-2), [0, 0]);
  });
});

test('every(): a period longer than 2^31−1 ms is chained too, and repeats until cancelled', (t) => {
  withFakeTimers((clock) => {
    let ticks = 0;
    const timer = every(MAX_TIMER_MS + 10, () => ticks++);
    clock.fire();
    clock.fire();
    t.is(ticks, 1);
    clock.fire();
    clock.fire();
    t.is(ticks, 2);
    timer.cancel();
    t.is(clock.pending(), 0);
  });
});

test('sleep(): resolves after the delay, or at once when its signal aborts', async (t) => {
  const started = performance.now();
  await sleep(30);
  t.true(performance.now() - started >= 25);
  const abort = new AbortController();
  const long = sleep(3_000_000_000, { signal: abort.signal });
  abort.abort();
  await long;
  t.pass();
});

test('RateLimited: the first at once, the rest of the period as one line with a count, quiet again afterwards', async (t) => {
  const now: string[] = [];
  const later: Summary[] = [];
  const limited = new RateLimited(
    (amount, detail) => now.push(`${amount} ${detail}`),
    (summary) => later.push(summary),
    100,
  );
  for (let i = 0; i < 50; i++) limited.report(2, `#${i}`);
  t.deepEqual(now, ['2 #0']);
  t.deepEqual(later, []);
  await sleep(150);
  t.deepEqual(later, [{ times: 49, amount: 98, first: '#1', periodMs: 100 }]);
  await sleep(150); // a period with nothing in it closes the window
  limited.report(1, 'again');
  t.deepEqual(now, ['2 #0', '1 again']);
});

test("Node's process warnings: one line of nuwa's log each, never Node's raw (node:N) printer", (t) => {
  const script = [
    "require('./supervisor/src/sys/process-warnings').routeProcessWarnings();",
    'setTimeout(() => undefined, 3e9).unref();',
    'setTimeout(() => undefined, 3e9).unref();', // the same warning again: said once
    "process.emitWarning('something odd', { code: 'NUWA_TEST', detail: 'more about it' });",
  ].join('\n');
  const r = spawnSync(process.execPath, ['--import=tsx', '-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env } });
  t.is(r.status, 0, r.stderr);
  const lines = r.stderr.trim().split('\n');
  t.deepEqual(lines, [
    'nuwa node: warning: Node.js TimeoutOverflowWarning: 3000000000 does not fit into a 32-bit signed integer. ' +
      'Timeout duration was set to 1.',
    'nuwa node: warning: Node.js Warning [NUWA_TEST]: something odd (more about it)',
  ]);
  t.false(r.stderr.includes('(node:'), r.stderr);
});
