/**
 * Waiting for services to reach a state, the way s6-svlisten/s6-svwait do: subscribe to each `event/` fifodir FIRST,
 * then read `supervise/status` — a transition that happens in between is both in the status and in the FIFO, so none
 * can be missed — then follow the event letters:
 *   u → up, not ready · U → up and ready · d → down, not ready · D → down and ready (finish done)
 *   O → permanent failure (finish exited 125): counts as a failure when waiting for up
 *   x → the supervisor exited: a failure unless the service already was in the wanted state
 * Failures make the service count as "arrived" (so the wait ends) and are counted, as s6 does.
 */
import * as path from 'node:path';
import { after, type Timer } from '../sys/timer';
import { listen, makeFifodir, type Listener } from './fifodir';
import { isUp, readStatus } from './status';

export interface Goal {
  up: boolean;
  ready: boolean;
}

export type WaitResult = { reached: true; failures: number } | { reached: false };

interface Tracked {
  up: boolean;
  ready: boolean;
}

/** Thrown by ServiceWatch.open with the directory and the step that failed. */
export class WatchError extends Error {
  constructor(
    readonly dir: string,
    readonly step: 'subscribe' | 'status',
    override readonly cause: unknown,
  ) {
    super(`unable to ${step === 'subscribe' ? 'subscribe to events for' : 'read status for'} ${dir}: ${(cause as Error).message}`);
  }
}

export class ServiceWatch {
  private readonly queue: Array<{ index: number; letter: string }> = [];
  private wake: (() => void) | undefined;

  private constructor(
    private readonly listeners: Listener[],
    private readonly states: Tracked[],
  ) {}

  /** Subscribes to every dir, then reads each status. Creates a missing event/ fifodir, as s6 does. */
  static open(dirs: readonly string[]): ServiceWatch {
    const listeners: Listener[] = [];
    const states: Tracked[] = [];
    const watch = new ServiceWatch(listeners, states);
    try {
      dirs.forEach((dir, index) => {
        const eventDir = path.join(dir, 'event');
        let listener: Listener;
        try {
          makeFifodir(eventDir);
          listener = listen(eventDir);
        } catch (err) {
          throw new WatchError(dir, 'subscribe', err);
        }
        listeners.push(listener);
        listener.onEvents((letters) => watch.push(index, letters));
        try {
          const status = readStatus(dir);
          states.push({ up: isUp(status), ready: status.ready });
        } catch (err) {
          throw new WatchError(dir, 'status', err);
        }
      });
    } catch (err) {
      watch.close();
      throw err;
    }
    return watch;
  }

  private push(index: number, letters: string): void {
    for (const letter of letters) this.queue.push({ index, letter });
    this.wake?.();
  }

  private got(goal: Goal, any: boolean): boolean {
    const arrived = (s: Tracked) => s.up === goal.up && (!goal.ready || s.ready);
    return any ? this.states.some(arrived) : this.states.every(arrived);
  }

  /** Applies one event letter; returns true when it is a failure. */
  private apply(state: Tracked, letter: string, goal: Goal): boolean {
    switch (letter) {
      case 'u':
      case 'U':
      case 'd':
      case 'D':
        state.up = letter === 'u' || letter === 'U';
        state.ready = letter === 'U' || letter === 'D';
        return false;
      case 'O':
        if (!goal.up) return false;
        Object.assign(state, goal);
        return true;
      case 'x': {
        const failed = state.up !== goal.up || state.ready !== goal.ready;
        Object.assign(state, goal);
        return failed;
      }
      default:
        return false; // 's' and anything newer: not a state change
    }
  }

  /**
   * Resolves when all (or, with `any`, one) of the services reach `goal`, or when `deadline` (a performance.now()
   * value) passes. Events not consumed stay queued for the next call (s6-svwait -r waits twice on one subscription).
   */
  until(goal: Goal, any: boolean, deadline?: number): Promise<WaitResult> {
    let failures = 0;
    if (this.got(goal, any)) return Promise.resolve({ reached: true, failures });
    return new Promise((resolve) => {
      let timer: Timer | undefined;
      const finish = (result: WaitResult) => {
        this.wake = undefined;
        timer?.cancel();
        resolve(result);
      };
      this.wake = () => {
        for (let next = this.queue.shift(); next; next = this.queue.shift()) {
          if (this.apply(this.states[next.index] as Tracked, next.letter, goal)) failures++;
          if (this.got(goal, any)) return finish({ reached: true, failures });
        }
      };
      if (deadline !== undefined) timer = after(Math.max(0, deadline - performance.now()), () => finish({ reached: false }));
      this.wake();
    });
  }

  close(): void {
    for (const listener of this.listeners) listener.close();
  }
}
