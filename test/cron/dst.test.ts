/**
 * Schedules around daylight saving time and clock changes, computed with an injected clock, against what cron(8)
 * (Vixie cron, cronie) documents: a fixed-time job in the skipped hour runs right after the change; in the repeated
 * hour it runs once; wildcard jobs follow the wall clock; clock corrections of 3 h or more are taken as they are.
 */
import test from 'ava';
import { Schedule } from '../../supervisor/src/cron/schedule';
import { Scheduler, type Clock } from '../../supervisor/src/cron/scheduler';
import type { Job } from '../../supervisor/src/cron/sources';
import { formatInZone } from '../../supervisor/src/cron/zone';
import { setVerbosity } from '../../supervisor/src/sys/logger';

setVerbosity(0); // the scheduler's clock-change warnings are not what these tests look at

const runs = (fields: string, zone: string, fromIso: string, count: number) =>
  new Schedule(fields.split(' '), zone).nextRuns(Date.parse(fromIso), count).map((t) => formatInZone(zone, t));

test('Europe/Berlin, clocks forward (2026-03-29 02:00 -> 03:00): a fixed 02:30 job runs at 03:00 that day', (t) => {
  t.deepEqual(runs('30 2 * * *', 'Europe/Berlin', '2026-03-27T12:00:00Z', 3), [
    '2026-03-28 02:30:00 +01:00',
    '2026-03-29 03:00:00 +02:00',
    '2026-03-30 02:30:00 +02:00',
  ]);
});

test('Europe/Berlin, clocks forward: a wildcard job has no runs in the skipped hour', (t) => {
  t.deepEqual(runs('*/30 * * * *', 'Europe/Berlin', '2026-03-29T00:15:00Z', 4), [
    '2026-03-29 01:30:00 +01:00',
    '2026-03-29 03:00:00 +02:00',
    '2026-03-29 03:30:00 +02:00',
    '2026-03-29 04:00:00 +02:00',
  ]);
});

test('Europe/Berlin, clocks back (2026-10-25 03:00 -> 02:00): a fixed 02:30 job runs once, in the first pass', (t) => {
  t.deepEqual(runs('30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', 3), [
    '2026-10-25 02:30:00 +02:00',
    '2026-10-26 02:30:00 +01:00',
    '2026-10-27 02:30:00 +01:00',
  ]);
  // Asked during the second pass of the repeated hour, it does not come again that night.
  t.deepEqual(runs('30 2 * * *', 'Europe/Berlin', '2026-10-25T01:10:00Z', 1), ['2026-10-26 02:30:00 +01:00']);
});

test('Europe/Berlin, clocks back: a wildcard job runs in both passes of the repeated hour', (t) => {
  t.deepEqual(runs('*/20 * * * *', 'Europe/Berlin', '2026-10-25T00:30:00Z', 6), [
    '2026-10-25 02:40:00 +02:00',
    '2026-10-25 02:00:00 +01:00',
    '2026-10-25 02:20:00 +01:00',
    '2026-10-25 02:40:00 +01:00',
    '2026-10-25 03:00:00 +01:00',
    '2026-10-25 03:20:00 +01:00',
  ]);
});

test('America/New_York: 02:00 on the spring day runs at 03:00; 01:30 on the autumn day runs once', (t) => {
  t.deepEqual(runs('0 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', 2), [
    '2026-03-08 03:00:00 -04:00',
    '2026-03-09 02:00:00 -04:00',
  ]);
  t.deepEqual(runs('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', 2), [
    '2026-11-01 01:30:00 -04:00',
    '2026-11-02 01:30:00 -05:00',
  ]);
  // @hourly is a wildcard job: it runs at both 01:00s.
  t.deepEqual(runs('0 * * * *', 'America/New_York', '2026-11-01T04:30:00Z', 3), [
    '2026-11-01 01:00:00 -04:00',
    '2026-11-01 01:00:00 -05:00',
    '2026-11-01 02:00:00 -05:00',
  ]);
});

/** A clock the test moves: wall time can jump, monotonic time only goes on; timers fire as time passes. */
class FakeClock implements Clock {
  private wall: number;
  private mono = 0;
  private timers: Array<{ at: number; callback: () => void; id: number }> = [];
  private ids = 0;

  constructor(iso: string) {
    this.wall = Date.parse(iso);
  }

  now = () => this.wall;
  monotonic = () => this.mono;
  setTimer = (ms: number, callback: () => void) => {
    const id = ++this.ids;
    this.timers.push({ at: this.mono + ms, callback, id });
    return id;
  };
  clearTimer = (id: unknown) => {
    this.timers = this.timers.filter((timer) => timer.id !== id);
  };

  /** Lets `ms` pass, firing timers in order as a real event loop would. */
  advance(ms: number): void {
    const end = this.mono + ms;
    for (;;) {
      const due = this.timers.filter((timer) => timer.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.wall += due.at - this.mono;
      this.mono = due.at;
      due.callback();
    }
    this.wall += end - this.mono;
    this.mono = end;
  }

  /** Someone sets the system clock. */
  setWall(iso: string): void {
    this.wall = Date.parse(iso);
  }
}

function job(fields: string, zone: string, id: string): Job {
  const schedule = new Schedule(fields.split(' '), zone);
  return { id, key: id, schedule, when: fields, zone } as unknown as Job;
}

function runScheduler(clock: FakeClock, jobs: Job[]) {
  const started: string[] = [];
  const scheduler = new Scheduler((j) => started.push(`${j.id} ${formatInZone(j.zone, clock.now())}`), clock);
  scheduler.setJobs(jobs);
  scheduler.start();
  return { started, scheduler };
}

test('the running scheduler, driven through the Berlin spring change, starts jobs when cron documents', (t) => {
  const clock = new FakeClock('2026-03-29T00:00:00Z'); // 01:00 CET
  const { started } = runScheduler(clock, [job('30 2 * * *', 'Europe/Berlin', 'fixed'), job('*/30 * * * *', 'Europe/Berlin', 'wild')]);
  clock.advance(2 * 3600_000); // until 04:00 CEST
  t.deepEqual(started, [
    'wild 2026-03-29 01:30:00 +01:00',
    'fixed 2026-03-29 03:00:00 +02:00',
    'wild 2026-03-29 03:00:00 +02:00',
    'wild 2026-03-29 03:30:00 +02:00',
    'wild 2026-03-29 04:00:00 +02:00',
  ]);
});

test('the running scheduler, driven through the Berlin autumn change', (t) => {
  const clock = new FakeClock('2026-10-24T23:45:00Z'); // 01:45 CEST
  const { started } = runScheduler(clock, [job('30 2 * * *', 'Europe/Berlin', 'fixed'), job('*/30 * * * *', 'Europe/Berlin', 'wild')]);
  clock.advance(2.75 * 3600_000); // until 03:30 CET
  t.deepEqual(started, [
    'wild 2026-10-25 02:00:00 +02:00',
    'fixed 2026-10-25 02:30:00 +02:00',
    'wild 2026-10-25 02:30:00 +02:00',
    'wild 2026-10-25 02:00:00 +01:00',
    'wild 2026-10-25 02:30:00 +01:00',
    'wild 2026-10-25 03:00:00 +01:00',
    'wild 2026-10-25 03:30:00 +01:00',
  ]);
});

test('clock set forward by 1 h: the skipped fixed-time job runs at once, the skipped wildcard runs are not made up', (t) => {
  const clock = new FakeClock('2026-06-01T10:00:00Z');
  const { started } = runScheduler(clock, [job('30 10 * * *', 'UTC', 'fixed'), job('*/15 * * * *', 'UTC', 'wild')]);
  clock.advance(10 * 60_000); // 10:10
  clock.setWall('2026-06-01T11:10:00Z');
  clock.advance(60_000); // the next wake-up notices, at the latest a minute later
  clock.advance(10 * 60_000);
  // The change is noticed at the next wake-up, a minute later at most: 11:11.
  t.deepEqual(started, ['fixed 2026-06-01 11:11:00 +00:00', 'wild 2026-06-01 11:15:00 +00:00']);
});

test('clock set back by 1 h: a fixed-time job does not run twice, wildcard jobs follow the clock', (t) => {
  const clock = new FakeClock('2026-06-01T10:20:00Z');
  // `45 * * * *` is a wildcard job for cron (its hour field is *), like `*/30 * * * *`.
  const { started } = runScheduler(clock, [
    job('30 10 * * *', 'UTC', 'fixed'),
    job('45 * * * *', 'UTC', 'at45'),
    job('*/30 * * * *', 'UTC', 'wild'),
  ]);
  clock.advance(20 * 60_000); // 10:40: fixed and wild ran at 10:30
  clock.setWall('2026-06-01T09:40:00Z');
  clock.advance(60 * 60_000); // until 10:40 again
  t.deepEqual(started, [
    'fixed 2026-06-01 10:30:00 +00:00',
    'wild 2026-06-01 10:30:00 +00:00',
    'at45 2026-06-01 09:45:00 +00:00',
    'wild 2026-06-01 10:00:00 +00:00',
    'wild 2026-06-01 10:30:00 +00:00',
  ]);
});

test('clock set forward by 5 h: a correction, taken as is; nothing skipped is made up', (t) => {
  const clock = new FakeClock('2026-06-01T10:00:00Z');
  const { started } = runScheduler(clock, [job('30 12 * * *', 'UTC', 'fixed'), job('0 * * * *', 'UTC', 'hourly')]);
  clock.advance(5 * 60_000);
  clock.setWall('2026-06-01T15:05:00Z');
  clock.advance(60 * 60_000);
  t.deepEqual(started, ['hourly 2026-06-01 16:00:00 +00:00']);
});
