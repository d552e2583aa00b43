/**
 * Supervisors that wait for file descriptors. Every supervisor of the scanner lives in this one process and shares its
 * RLIMIT_NOFILE (sys/fd-budget.ts): under a small `ulimit -n` as many start as fit with the reserve kept free, and the
 * rest wait, said once for them all. They are tried again as soon as descriptors are freed (a supervisor exited, a
 * service was removed, a log pipe closed) and, since descriptors can be freed where the scanner does not see it, on a
 * back-off of 1 s doubling to 30 s while any waits. Nothing polls while none waits.
 */
import { FdBudget } from '../sys/fd-budget';
import type { Logger } from '../sys/logger';
import { after, type Timer } from '../sys/timer';

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;
/** Names shown in the line that says who waits. */
const NAMES_SHOWN = 5;

export class FdWaits {
  private readonly budget = new FdBudget();
  /** Supervisor names ('foo', 'foo/log'), in the order they asked. */
  private readonly waiting = new Set<string>();
  private said = false;
  private timer: Timer | undefined;
  private retryMs = FIRST_RETRY_MS;
  private soon = false;
  private stopped = false;

  constructor(
    private readonly log: Logger,
    /** Starts what waits: measure(), then admit() for each, then settle(). */
    private readonly retry: () => void,
  ) {}

  has(name: string): boolean {
    return this.waiting.has(name);
  }

  /** A pass that may start supervisors begins: the descriptors in use are counted afresh. */
  measure(): void {
    this.budget.measure();
  }

  /** Whether the supervisor `name` may take `cost` descriptors now; if not, it waits. */
  admit(name: string, cost: number): boolean {
    if (!this.budget.admit(cost)) {
      this.waiting.add(name);
      return false;
    }
    if (this.waiting.delete(name)) this.retryMs = FIRST_RETRY_MS; // progress: the back-off starts over
    return true;
  }

  /** `name` waits without having asked (its start failed with EMFILE/ENFILE, or it needs a logger that waits). */
  wait(name: string): void {
    this.waiting.add(name);
  }

  /** `name` no longer needs starting (its service is gone, or the scanner stops). */
  forget(name: string): void {
    this.waiting.delete(name);
  }

  /** Descriptors were just freed: what waits is tried on the next turn of the event loop (once for a burst). */
  freed(): void {
    if (this.waiting.size === 0 || this.soon || this.stopped) return;
    // The back-off starts over: a descriptor freed by a closing supervisor may still be open on the next turn (its
    // files close asynchronously), and the retry after that must come in a second, not after the longest back-off.
    this.timer?.cancel();
    this.timer = undefined;
    this.retryMs = FIRST_RETRY_MS;
    this.soon = true;
    setImmediate(() => {
      this.soon = false;
      if (!this.stopped) this.retry();
    });
  }

  /** A pass is over: say what changed, and keep a retry due while anything waits. */
  settle(): void {
    if (this.waiting.size === 0 || this.stopped) {
      this.timer?.cancel();
      this.timer = undefined;
      this.retryMs = FIRST_RETRY_MS;
      if (this.said && !this.stopped) this.log.info('file descriptors were freed: every service waiting for them is supervised now');
      this.said = false;
      return;
    }
    if (!this.said) {
      this.said = true;
      const names = [...this.waiting];
      const shown = names.slice(0, NAMES_SHOWN).join(', ') + (names.length > NAMES_SHOWN ? ', …' : '');
      const limit = this.budget.max === undefined ? '' : ` (limit ${this.budget.max})`;
      this.log.warn(
        `out of file descriptors${limit}: ${names.length} service${names.length === 1 ? '' : 's'} wait (${shown}); ` +
          'they start as descriptors are freed (raise the limit: ulimit -n, podman run --ulimit nofile=N)',
      );
    }
    this.timer ??= after(
      this.retryMs,
      () => {
        this.timer = undefined;
        this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
        this.retry();
      },
      { unref: true },
    );
  }

  stop(): void {
    this.stopped = true;
    this.waiting.clear();
    this.settle();
  }
}
