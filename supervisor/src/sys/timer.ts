/**
 * The one way nuwa waits: every deadline, delay, poll and period in the code goes through here, never through
 * setTimeout/setInterval directly.
 *
 * Node takes a timer's delay as a 32-bit signed number of milliseconds: anything above 2^31−1 ms (~24.8 days) is
 * replaced by 1 ms, with a TimeoutOverflowWarning on the console. A setting such as `timeout-kill 3000000000` (s6
 * reads it as a 32-bit unsigned number: ~34.7 days) would then SIGKILL at once. Here a long delay is a chain of
 * timers of at most MAX_TIMER_MS each, so it fires when it is due, however far away that is (a delay of Infinity
 * never does, and keeps the process alive unless unref'd, as any timer). NaN and negative delays mean "as soon as
 * possible", as in Node.
 */

/** The longest delay one Node timer takes as it is (2^31−1 ms). */
export const MAX_TIMER_MS = 0x7fffffff;

export interface Timer {
  /** Stops it: the callback will not run (again). Harmless after it fired, or twice. */
  cancel(): void;
  /** Lets the process exit while nothing but this is pending (Node's unref); returns the timer itself. */
  unref(): Timer;
  /** Not yet fired (for `after`) and not cancelled. */
  readonly pending: boolean;
}

export interface TimerOptions {
  /** Do not keep the process alive for this timer (Node's unref). */
  unref?: boolean;
}

function normalized(ms: number): number {
  return Number.isNaN(ms) || ms < 0 ? 0 : ms;
}

/**
 * A timer that runs `callback` once, `ms` from now. The pieces of a long chain are each exactly as long as Node
 * makes them, so the whole fires when a single timer of that length would have.
 */
class Chain implements Timer {
  private handle: NodeJS.Timeout | undefined;
  private referenced = true;
  private done = false;

  constructor(
    private remaining: number,
    private readonly callback: () => void,
    private readonly period?: number,
  ) {
    this.arm();
  }

  get pending(): boolean {
    return !this.done;
  }

  private arm(): void {
    const step = Math.min(this.remaining, MAX_TIMER_MS);
    this.remaining -= step;
    this.handle = setTimeout(() => this.fire(), step);
    if (!this.referenced) this.handle.unref();
  }

  private fire(): void {
    this.handle = undefined;
    if (this.done) return;
    if (this.remaining > 0) {
      this.arm();
      return;
    }
    if (this.period === undefined) {
      this.done = true;
    } else {
      this.remaining = this.period;
      this.arm(); // before the callback, which may cancel it
    }
    this.callback();
  }

  cancel(): void {
    this.done = true;
    if (this.handle !== undefined) clearTimeout(this.handle);
    this.handle = undefined;
  }

  unref(): Timer {
    this.referenced = false;
    this.handle?.unref();
    return this;
  }
}

/** Runs `callback` once, `ms` milliseconds from now (any delay: see the top of this file). */
export function after(ms: number, callback: () => void, options: TimerOptions = {}): Timer {
  const timer = new Chain(normalized(ms), callback);
  return options.unref ? timer.unref() : timer;
}

/** Runs `callback` every `ms` milliseconds (at least 1), first `ms` from now, until cancelled. */
export function every(ms: number, callback: () => void, options: TimerOptions = {}): Timer {
  const period = Math.max(1, normalized(ms));
  const timer = new Chain(period, callback, period);
  return options.unref ? timer.unref() : timer;
}

export interface SleepOptions extends TimerOptions {
  /** Ends the sleep early (the promise then resolves at once, never rejects). */
  signal?: AbortSignal;
}

/** Resolves `ms` milliseconds from now (or when `signal` aborts). */
export function sleep(ms: number, options: SleepOptions = {}): Promise<void> {
  return new Promise((resolve) => {
    if (options.signal?.aborted) return resolve();
    const onAbort = () => {
      timer.cancel();
      resolve();
    };
    const timer = after(
      ms,
      () => {
        options.signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      options,
    );
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves with `value` once `ms` have passed, without keeping the process alive: the losing side of a race. */
export function lateAfter<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => after(ms, () => resolve(value), { unref: true }));
}
