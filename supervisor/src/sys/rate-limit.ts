/**
 * A warning that can come in a flood (garbage written to a control FIFO, one read() at a time): the first occurrence
 * is said at once; those that follow within `periodMs` are only summed up, and said as one line when the period
 * ends — at most one line per period, however fast they come, and nothing is left uncounted.
 */
import { after, type Timer } from './timer';

export interface Summary {
  /** Occurrences since the last line (e.g. reads of the FIFO). */
  times: number;
  /** What they add up to (e.g. bytes). */
  amount: number;
  /** The detail of the first of them (e.g. the hex of its first bytes). */
  first: string;
  periodMs: number;
}

export class RateLimited {
  private window: Timer | undefined;
  private pending: Summary | undefined;

  constructor(
    /** Says the first occurrence of a quiet spell, as it happens. */
    private readonly sayNow: (amount: number, detail: string) => void,
    /** Says what came in one period after that. */
    private readonly sayLater: (summary: Summary) => void,
    private readonly periodMs = 1000,
  ) {}

  report(amount: number, detail: string): void {
    if (!this.window) {
      this.sayNow(amount, detail);
      this.open();
      return;
    }
    if (this.pending) {
      this.pending.times++;
      this.pending.amount += amount;
    } else {
      this.pending = { times: 1, amount, first: detail, periodMs: this.periodMs };
    }
  }

  private open(): void {
    this.window = after(
      this.periodMs,
      () => {
        this.window = undefined;
        const summary = this.pending;
        this.pending = undefined;
        if (!summary) return; // quiet again: the next one is said at once
        this.sayLater(summary);
        this.open();
      },
      { unref: true },
    );
  }
}
