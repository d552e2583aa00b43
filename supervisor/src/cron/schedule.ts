/**
 * When a job runs: cron-parser matches the fields against the wall clock of the job's zone; this module turns wall
 * times into instants the way Vixie cron and cronie document it for daylight saving time (cron(8)):
 *
 * - A "fixed-time" job (its minute and hour fields do not start with `*`) whose time falls in the hour skipped when
 *   clocks go forward runs right at the change; when clocks go back, it runs once, in the first pass of the
 *   repeated hour.
 * - A "wildcard" job (minute or hour starts with `*`, e.g. every 5 minutes, @hourly) follows the wall clock: no runs
 *   in the skipped hour, runs in both passes of the repeated hour.
 *
 * The matching itself runs on wall-clock time expressed as UTC, where no DST exists; zone.ts supplies offsets.
 */
import { CronExpressionParser, type CronExpression } from 'cron-parser';
import { nextTransition, offsetAt } from './zone';

/** The keywords cronie knows, spelled as the fields they stand for (@reboot is not a schedule: see crontab.ts). */
export const KEYWORDS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** How far ahead a schedule is searched before it is declared never to fire (e.g. `0 0 30 2 *`). */
const HORIZON_MS = 5 * 366 * 86_400_000;
/** The largest DST step back there has been is 2 h; looking 4 h back finds the change we may be just after. */
const LOOKBACK_MS = 4 * 3600_000;

export class Schedule {
  private readonly expression: CronExpression;
  /** Minute or hour field starts with `*` (Vixie cron's MIN_STAR | HR_STAR). */
  readonly wildcard: boolean;

  /**
   * `fields`: 5 fields (minute first) or 6 (seconds first). Throws an Error with cron-parser's reason.
   * `zone`: an IANA zone name, already checked.
   */
  constructor(
    readonly fields: string[],
    readonly zone: string,
  ) {
    if (fields.length !== 5 && fields.length !== 6) throw new Error(`expected 5 or 6 time fields, found ${fields.length}`);
    const withSeconds = fields.length === 6 ? fields : ['0', ...fields];
    this.expression = CronExpressionParser.parse(withSeconds.join(' '), { tz: 'UTC', strict: false });
    const [minute, hour] = withSeconds.slice(1, 3) as [string, string];
    this.wildcard = minute.startsWith('*') || hour.startsWith('*');
  }

  get text(): string {
    return this.fields.join(' ');
  }

  /** The first wall time strictly after `wall` that matches, or undefined within the horizon. */
  private nextWall(wall: number): number | undefined {
    this.expression.reset(new Date(wall));
    try {
      const next = this.expression.next().getTime();
      return next - wall > HORIZON_MS ? undefined : next;
    } catch {
      return undefined; // cron-parser gives up on dates that never come
    }
  }

  /** The first instant strictly after `after` (ms since the epoch) when the job runs; undefined if never. */
  nextRun(after: number): number | undefined {
    const limit = after + HORIZON_MS;
    let t = after;
    let offset = offsetAt(this.zone, t);
    // Wall times below this were already lived through once (we are in the repeated hour after clocks went back).
    let seenBelow = this.repeatedWallLimit(t, offset);
    let wall = t + offset;
    while (t < limit) {
      const candidate = this.nextWall(wall);
      if (candidate === undefined) return undefined;
      const instant = candidate - offset;
      const change = nextTransition(this.zone, t, instant);
      if (change === undefined) {
        if (candidate < seenBelow && !this.wildcard) {
          wall = candidate; // a fixed-time job ran in the first pass of this hour
          continue;
        }
        return instant;
      }
      const next = offsetAt(this.zone, change);
      const forward = next > offset;
      if (forward) {
        // Clocks go forward at `change`: wall times in [change+offset, change+next) never happen.
        if (candidate < change + next && !this.wildcard) return change;
        seenBelow = -Infinity;
      } else {
        // Clocks go back at `change`: wall times in [change+next, change+offset) come a second time.
        seenBelow = change + offset;
      }
      t = change;
      offset = next;
      // Search on from the wall time the clock shows at the change (after a step back: the repeated hour too).
      wall = forward ? Math.max(wall, change + next - 1) : change + next - 1;
    }
    return undefined;
  }

  /** If `t` lies in a repeated hour (clocks went back shortly before), the wall time reached before the change. */
  private repeatedWallLimit(t: number, offset: number): number {
    const before = offsetAt(this.zone, t - LOOKBACK_MS);
    if (before <= offset) return -Infinity;
    const change = nextTransition(this.zone, t - LOOKBACK_MS, t);
    return change === undefined ? -Infinity : change + before;
  }

  /** The next `count` runs after `after`. */
  nextRuns(after: number, count: number): number[] {
    const runs: number[] = [];
    let t = after;
    while (runs.length < count) {
      const next = this.nextRun(t);
      if (next === undefined) break;
      runs.push(next);
      t = next;
    }
    return runs;
  }
}
