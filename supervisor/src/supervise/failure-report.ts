/**
 * A crash loop is said once, then counted: the first failure of a streak is logged with its reason, repeats of the
 * same reason are only counted (and summarised at 10, 100, 1000 … failures), a new reason is logged again.
 *
 * Deaths the restart policy does not count as failures (the service had run for nuwa-restart-min-uptime, which may be
 * 0) are restarted at once and silently, as s6 restarts them; but many of them in a short time are a crash loop all
 * the same, and CrashLoopReport says so, with the count, once a minute while it goes on.
 */
import type { Logger } from '../sys/logger';
import { Streak } from '../sys/streak';

export function formatDelay(ms: number): string {
  if (ms === 0) return 'at once';
  return ms % 1000 === 0 ? `in ${ms / 1000} s` : `in ${ms} ms`;
}

export function deathReason(wstat: number, signalName: (n: number) => string): string {
  const signal = wstat & 0x7f;
  if (signal !== 0) return `run was killed by ${signalName(signal)}`;
  const code = (wstat >> 8) & 0xff;
  const hint =
    code === 127
      ? ' (command not found: does the program run execs exist?)'
      : code === 126
        ? ' (a program run execs is not executable)'
        : '';
  return `run exited ${code}${hint}`;
}

export class FailureReport {
  private readonly streak = new Streak();

  constructor(
    private readonly log: Logger,
    private readonly name: string,
  ) {}

  failed(reason: string, failures: number, delayMs: number, uptimeMs?: number): void {
    const after = uptimeMs === undefined ? '' : ` after ${uptimeText(uptimeMs)}`;
    const line = this.streak.note(reason, failures);
    if (line === 'first') {
      const streak = failures > 1 ? ` (failure ${failures} in a row)` : '';
      this.log.warn(`${this.name}: ${reason}${after}${streak}; restarting ${formatDelay(delayMs)} (repeats are counted, not logged)`);
    } else if (line === 'summary') {
      this.log.warn(`${this.name}: still failing: ${reason}; ${failures} failures in a row, next start ${formatDelay(delayMs)}`);
    }
  }
}

/** A crash loop, for CrashLoopReport: this many deaths the user did not ask for … */
export const CRASH_LOOP_DEATHS = 10;
/** … within this long (ms); also the least time between two of its lines. */
export const CRASH_LOOP_WINDOW_MS = 60_000;

function uptimeText(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export class CrashLoopReport {
  /** Monotonic times of the last CRASH_LOOP_DEATHS deaths. */
  private readonly recent: number[] = [];
  private lastLine = -Infinity;
  /** Deaths since the last line. */
  private count = 0;

  constructor(
    private readonly log: Logger,
    private readonly name: string,
  ) {}

  /** A death restarted at once; `now` is monotonic ms (performance.now()). */
  died(reason: string, uptimeMs: number, minUptimeMs: number, now: number): void {
    this.count++;
    this.recent.push(now);
    if (this.recent.length > CRASH_LOOP_DEATHS) this.recent.shift();
    const first = this.recent[0] as number;
    if (this.recent.length < CRASH_LOOP_DEATHS || now - first > CRASH_LOOP_WINDOW_MS) return; // not (or no longer) a loop
    const sinceLine = now - this.lastLine;
    if (sinceLine < CRASH_LOOP_WINDOW_MS) return; // counted, said in the next line
    const last = `the last: ${reason} after ${uptimeText(uptimeMs)}`;
    if (sinceLine < 2 * CRASH_LOOP_WINDOW_MS) {
      this.log.warn(`${this.name}: still crash-looping: run died ${this.count} more times in ${Math.round(sinceLine / 1000)} s (${last})`);
    } else {
      this.log.warn(
        `${this.name}: crash-looping: run died ${CRASH_LOOP_DEATHS} times in ${uptimeText(now - first)} (${last}), ` +
          `restarted at once each time as nuwa-restart-min-uptime (${minUptimeMs} ms) allows; ` +
          'said again once a minute while it goes on',
      );
    }
    this.lastLine = now;
    this.count = 0;
  }
}
