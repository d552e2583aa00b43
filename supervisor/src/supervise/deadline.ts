/**
 * A supervisor's single deadline (s6-supervise keeps one too): none, "now" (the event loop's next check phase) or a
 * time from now of any length. Setting it replaces whatever was due.
 */
import { after, type Timer } from '../sys/timer';

export class Deadline {
  private timer: Timer | undefined;
  private immediate: NodeJS.Immediate | undefined;

  constructor(private readonly due: () => void) {}

  /** `ms` from now; 0: on the next check phase; null: nothing due. */
  set(ms: number | null): void {
    this.clear();
    if (ms === null) return;
    if (ms === 0) {
      // "restart now", on the loop's next check phase: a 0 ms timer would cost Node's 1 ms floor. Not in the same
      // drain: the death that got us here is handled inside libuv's dispatch of SIGCHLD, which reads the signal pipe
      // for as long as it stays full; a spawn there (it blocks until the child has exec'd) lets ten crash-looping
      // services keep that pipe full, and a SIGTERM queued in it behind them waited for minutes (issue 17).
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        this.due();
      });
      return;
    }
    // unref'd: a deadline alone never keeps the process alive, and there is no timer at all while nothing is due.
    // Any length: `timeout-kill 3000000000` is 34.7 days, not the 1 ms a plain setTimeout would make of it.
    this.timer = after(
      ms,
      () => {
        this.timer = undefined;
        this.due();
      },
      { unref: true },
    );
  }

  clear(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
  }
}
