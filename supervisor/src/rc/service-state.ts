/**
 * Waiting for a supervised service to reach a state, the race-free way s6-svwait does it: subscribe to the service's
 * event fifodir first, then read supervise/status, then follow the events. Used for s6-rc transitions (up, ready,
 * down) and for the supervisor of a freshly scanned service to start.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../sys/logger';
import { listen, makeFifodir, type Listener } from '../wire/fifodir';
import { isSupervised } from '../wire/lock';
import { isUp, readStatus } from '../wire/status';
import { SLOW_NOTICE_MS } from '../sys/run-program';
import { deathReason } from '../supervise/failure-report';
import { signalName } from '../sys/wait-status';
import { after, type Timer } from '../sys/timer';

/** supervised: a supervisor runs the dir. up: run was spawned. ready: up and notified. down: run dead, finish done. */
export type Want = 'supervised' | 'up' | 'ready' | 'down';
export type WaitOutcome = 'ok' | 'timeout' | 'aborted' | 'failed';

export interface WaitOptions {
  timeoutMs?: number;
  abort?: AbortSignal;
  log?: Logger;
  /** Named in "still waiting for …" notices. */
  what?: string;
  /** Whether a supervisor runs `dir`; default: its supervise/lock is held (s6_svc_ok). */
  supervised?: (dir: string) => boolean;
}

interface Seen {
  supervised: boolean;
  up: boolean;
  ready: boolean;
  /** finish has ended (s6's "down and ready"). */
  downReady: boolean;
}

/** The deaths of run seen while waiting for it to come up: how many, and how the last one ended. */
class Deaths {
  count = 0;
  last = '';

  record(dir: string): void {
    this.count++;
    try {
      this.last = deathReason(readStatus(dir).wstat, signalName);
    } catch {
      this.last = 'unknown';
    }
  }
}

function reached(want: Want, s: Seen): boolean {
  switch (want) {
    case 'supervised':
      return s.supervised;
    case 'up':
      return s.supervised && s.up;
    case 'ready':
      return s.supervised && s.up && s.ready;
    case 'down':
      return !s.up && s.downReady;
  }
}

function initial(dir: string, supervised: (dir: string) => boolean): Seen {
  const seen: Seen = { supervised: false, up: false, ready: false, downReady: true };
  try {
    if (!supervised(dir)) return seen;
    const status = readStatus(dir);
    seen.supervised = true;
    seen.up = isUp(status);
    seen.ready = seen.up && status.ready;
    seen.downReady = !seen.up && !status.finishing;
  } catch {
    // no status yet: the supervisor is starting; its events will tell
  }
  return seen;
}

/** Subscribes to `dir`'s events (creating event/ as s6-supervise would, if the supervisor has not yet). */
export function subscribe(dir: string): Listener {
  const eventDir = path.join(dir, 'event');
  if (!fs.existsSync(eventDir)) makeFifodir(eventDir);
  return listen(eventDir);
}

/**
 * Waits until `dir` reaches `want`. `listener` must have been subscribed before whatever action should cause the
 * change (sending a control letter, a rescan), so no event can be missed; this call takes ownership and closes it.
 */
export function waitForState(dir: string, want: Want, listener: Listener, options: WaitOptions = {}): Promise<WaitOutcome> {
  return new Promise<WaitOutcome>((resolve) => {
    const seen = initial(dir, options.supervised ?? isSupervised);
    const timers: Timer[] = [];
    const deaths = new Deaths();
    let done = false;
    const finish = (outcome: WaitOutcome) => {
      if (done) return;
      done = true;
      for (const t of timers) t.cancel();
      options.abort?.removeEventListener('abort', onAbort);
      listener.close();
      resolve(outcome);
    };
    const onAbort = () => finish('aborted');
    if (reached(want, seen)) {
      finish('ok');
      return;
    }
    listener.onEvents((letters) => {
      for (const letter of letters) {
        switch (letter) {
          case 's':
            seen.supervised = true;
            break;
          case 'u':
            Object.assign(seen, { supervised: true, up: true, ready: false, downReady: false });
            break;
          case 'U':
            Object.assign(seen, { supervised: true, up: true, ready: true, downReady: false });
            break;
          case 'd':
            Object.assign(seen, { up: false, ready: false, downReady: false });
            if (want === 'up' || want === 'ready') deaths.record(dir);
            break;
          case 'D':
            Object.assign(seen, { up: false, ready: false, downReady: true });
            break;
          case 'O':
            // finish exited 125: permanent failure, the supervisor will not restart it
            if (want === 'up' || want === 'ready') return finish('failed');
            break;
          case 'x':
            if (want !== 'down') return finish('failed');
            seen.supervised = false;
            seen.up = false;
            seen.downReady = true;
            break;
        }
        if (reached(want, seen)) return finish('ok');
      }
    });
    if (options.abort) {
      if (options.abort.aborted) return finish('aborted');
      options.abort.addEventListener('abort', onAbort, { once: true });
    }
    if (options.timeoutMs) timers.push(after(options.timeoutMs, () => finish('timeout')));
    if (options.log) {
      const started = Date.now();
      let warned = false;
      const notice = (): void => {
        const waiting = `still waiting for ${options.what ?? dir} to be ${want} (${Math.round((Date.now() - started) / 1000)} s)`;
        // Once, as a warning (S6_VERBOSITY=1 shows it): the boot is stuck behind a service that keeps failing.
        if (!warned && deaths.count > 0) {
          warned = true;
          options.log?.warn(`${waiting}: its run has died ${deaths.count} time(s) meanwhile (the last: ${deaths.last})`);
        } else {
          options.log?.info(waiting);
        }
        timers.push(after(SLOW_NOTICE_MS, notice));
      };
      timers.push(after(SLOW_NOTICE_MS, notice));
    }
  });
}
