/**
 * A problem that repeats (a service that keeps failing to start, a crash loop): said once when it begins, then only
 * counted, and summarised at 10, 100, 1000 … occurrences; a different problem begins a new streak and is said again.
 * The callers word their own lines; this only decides which occurrence deserves one.
 */
export type StreakLine = 'first' | 'summary';

export class Streak {
  private key: string | undefined;
  private counted = 0;
  private nextSummary = 10;

  /** Occurrences of the current problem so far. */
  get count(): number {
    return this.counted;
  }

  /**
   * One more occurrence of `key` (its count when the caller keeps one, e.g. the restart policy's failures in a row).
   * Returns which line is due: 'first' when a streak begins, 'summary' at 10, 100, 1000 …, undefined otherwise.
   */
  note(key: string, count = this.counted + 1): StreakLine | undefined {
    this.counted = count;
    if (count <= 1 || key !== this.key) {
      this.key = key;
      this.nextSummary = Math.max(10, 10 ** Math.ceil(Math.log10(count + 1)));
      return 'first';
    }
    if (count < this.nextSummary) return undefined;
    this.nextSummary *= 10;
    return 'summary';
  }

  /** The problem is over: the next occurrence begins a new streak. */
  end(): void {
    this.key = undefined;
    this.counted = 0;
  }
}
