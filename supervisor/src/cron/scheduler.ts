/**
 * The cron loop: sleeps until the next run of any job (at most a minute, so a changed system clock is noticed
 * within a minute and an idle cron wakes at most once a minute), starts what is due, computes what comes next.
 *
 * Daylight saving time is not a clock change: epoch time runs on, and schedule.ts places runs around the change.
 * A real clock change (someone set the clock, a VM resumed) is told apart by comparing the wall clock with the
 * monotonic clock, and handled as Vixie cron and cronie document it (cron(8), "time changes of more than 3 hours
 * are considered to be corrections"):
 * - forward by less than 3 h: fixed-time jobs that were skipped run now, once each; wildcard jobs run now too when
 *   the jump was at most 5 minutes (a late wake-up), else they just resume on their schedule;
 * - back by less than 3 h: fixed-time jobs do not run again for times they already ran (they wait for their next
 *   time, which now lies further ahead); wildcard jobs follow the clock;
 * - 3 h or more either way: the new time is taken as is; nothing is made up, and schedules restart from now.
 */
import { logger } from '../sys/logger';
import { after, type Timer } from '../sys/timer';
import type { Job } from './sources';

const log = logger('cron');

export interface Clock {
  /** Wall-clock time, ms since the epoch (what the system clock says; may jump). */
  now(): number;
  /** A clock that never jumps, in ms. */
  monotonic(): number;
  setTimer(ms: number, callback: () => void): unknown;
  clearTimer(timer: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimer: (ms, callback) => after(ms, callback),
  clearTimer: (timer) => (timer as Timer).cancel(),
};

const MAX_SLEEP_MS = 60_000;
/** Wall and monotonic clocks may disagree by this much without it being a clock change (timer slack, NTP slew). */
const JUMP_TOLERANCE_MS = 2_000;
const SMALL_JUMP_MS = 5 * 60_000;
const LARGE_JUMP_MS = 3 * 3600_000;

interface Planned {
  job: Job;
  next: number | undefined;
}

export class Scheduler {
  private planned = new Map<string, Planned>();
  private timer: unknown;
  private last = { wall: 0, mono: 0 };
  private stopped = true;

  /** `run` starts a job; `why` is said in its start line (e.g. " late, after a clock change"). */
  constructor(
    private readonly run: (job: Job, why: string) => void,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Replaces the job list; a job that was already planned (same key) keeps its next run. */
  setJobs(jobs: readonly Job[]): void {
    const now = this.clock.now();
    const planned = new Map<string, Planned>();
    for (const job of jobs) {
      if (!job.schedule) continue; // @reboot: started once by the applet
      const known = this.planned.get(job.key);
      planned.set(job.key, known ? { job, next: known.next } : { job, next: job.schedule.nextRun(now) });
    }
    this.planned = planned;
    if (!this.stopped) this.arm();
  }

  /** The next run of each job (for --list and tests). */
  upcoming(): Array<{ job: Job; next: number | undefined }> {
    return [...this.planned.values()].map((p) => ({ job: p.job, next: p.next }));
  }

  start(): void {
    this.stopped = false;
    this.last = { wall: this.clock.now(), mono: this.clock.monotonic() };
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    const now = this.clock.now();
    let wake = now + MAX_SLEEP_MS;
    for (const p of this.planned.values()) if (p.next !== undefined && p.next < wake) wake = p.next;
    this.timer = this.clock.setTimer(Math.max(0, wake - now), () => this.tick());
  }

  /** One wake-up: notice a clock change, start what is due, plan the next runs. */
  tick(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const now = this.clock.now();
    const mono = this.clock.monotonic();
    const expected = this.last.wall + (mono - this.last.mono);
    const jump = now - expected;
    const late = new Set<string>();
    if (Math.abs(jump) > JUMP_TOLERANCE_MS) this.clockChanged(jump, expected, now, late);
    for (const p of this.planned.values()) {
      if (p.next === undefined || p.next > now) continue;
      this.run(p.job, late.has(p.job.key) ? ' late, after the clock was set forward' : '');
      p.next = p.job.schedule?.nextRun(now);
    }
    this.last = { wall: now, mono };
    this.arm();
  }

  private clockChanged(jump: number, expected: number, now: number, late: Set<string>): void {
    const size = formatDuration(Math.abs(jump));
    if (Math.abs(jump) >= LARGE_JUMP_MS) {
      log.warn(`the clock was set ${jump > 0 ? 'forward' : 'back'} by ${size}: taking the new time as is, no run is made up`);
      for (const p of this.planned.values()) p.next = p.job.schedule?.nextRun(now);
      return;
    }
    if (jump > 0) {
      log.warn(`the clock was set forward by ${size}: fixed-time jobs it skipped run now`);
      for (const p of this.planned.values()) {
        // Runs planned in the skipped stretch (expected, now]:
        if (p.next === undefined || p.next > now || p.next <= expected - JUMP_TOLERANCE_MS) continue;
        if (p.job.schedule?.wildcard && jump > SMALL_JUMP_MS) p.next = p.job.schedule.nextRun(now);
        else late.add(p.job.key);
      }
      return;
    }
    log.warn(`the clock was set back by ${size}: fixed-time jobs will not run again for times they already ran`);
    for (const p of this.planned.values()) if (p.job.schedule?.wildcard) p.next = p.job.schedule.nextRun(now);
  }
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
