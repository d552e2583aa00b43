/**
 * The reaper: PID 1's duty to wait for every orphan, without stealing exit statuses from libuv.
 *
 * Node reaps only what child_process spawned, each by its own pid. A blanket waitpid(-1) would race libuv and lose
 * 'exit' events (libuv then sees ECHILD and never reports the exit: the service would look up for ever). So on each
 * SIGCHLD we ask the kernel which children are dead without taking their status (waitid WNOWAIT, in the addon's
 * reapDead) and wait only for those we did not spawn: one call per dead child, whatever the number of living ones.
 * A dead child of libuv's hides the others from waitid until libuv takes it; that pass lists our direct children
 * from /proc and tries each pid instead. This is race-free because spawn() returns the pid synchronously (see
 * spawner.ts): a pid is registered as ours before any reaper pass can see it.
 * A slow sweep covers the one gap left: a pid libuv reaped whose number is reused before its 'exit' event ran.
 *
 * libuv passes signals from its handler to the event loop through a pipe, and drops them while that pipe is full: a
 * flood of signals (hundreds of thousands a second) can drop a SIGCHLD, and libuv waits for its children only on a
 * SIGCHLD, so a service's death would go unseen for ever. After a burst of signals (at most every BURST_CHECK_MS while
 * it lasts) and at every sweep, a child of ours that is a zombie makes us raise SIGCHLD ourselves, and libuv looks again.
 *
 * Services' run and finish are spawned natively (sys/service-spawn.ts), not by libuv: those pids are adopted here,
 * waited for by pid on each SIGCHLD (in any process, PID 1 or not), and their exit resolves adopt()'s promise.
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import { native } from './native';
import { childrenOf } from './process-tree';
import { onSignalBurst } from './signals';
import { after, every, type Timer } from './timer';
import { decodeWaitStatus, type Termination } from './wait-status';

type Waitpid = (pid: number) => [number, number] | null;

const SWEEP_MS = 10_000;
const BURST_CHECK_MS = 100;
/** A pass that reaped this many orphans is part of a storm of them, and the next one waits STORM_PASS_MS. */
const STORM_ORPHANS = 4;
const STORM_PASS_MS = 10;

/** Whether `pid` is a zombie (dead, its status not yet waited for). */
function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

export interface ReaperEvents {
  /** An orphan (a process we did not spawn) was reaped. */
  orphan: [pid: number, termination: Termination];
  /** A pass ended: listeners waiting for "no children left" check here. */
  pass: [];
  /** A child of ours (spawned natively, by libuv, or adopted as an orphan) has been waited for. */
  exit: [];
}

class Reaper extends EventEmitter<ReaperEvents> {
  private readonly ours = new Set<number>();
  /** Natively spawned pids, each with what receives its termination. */
  private readonly adopted = new Map<number, (termination: Termination) => void>();
  private listening = false;
  private started = false;
  private scheduled = false;
  private reaped = 0;
  private burstCheck: Timer | undefined;
  /** Orphans the last pass reaped, and when it ran: a storm of them spaces the passes out (see schedule). */
  private lastOrphans = 0;
  private lastPassAt = 0;

  /** Called by the spawner, synchronously after fork: this pid's status belongs to libuv. */
  claim(pid: number): void {
    this.ours.add(pid);
  }

  /** Called when libuv has delivered the child's 'exit' event. */
  release(pid: number): void {
    if (this.ours.delete(pid)) this.emit('exit');
  }

  /**
   * A pid spawned without libuv: its exit is ours to wait for. Called synchronously after the spawn returned, before
   * any pass can run; the pass scheduled here catches an exit whose SIGCHLD came before anyone listened for it.
   */
  adopt(pid: number): Promise<Termination> {
    this.listen();
    const exited = new Promise<Termination>((resolve) => this.adopted.set(pid, resolve));
    this.schedule();
    return exited;
  }

  /** How many orphans were reaped so far (for status and tests). */
  get orphansReaped(): number {
    return this.reaped;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.listen();
    every(
      SWEEP_MS,
      () => {
        this.recoverLostExits();
        this.schedule();
      },
      { unref: true },
    );
    onSignalBurst(() => {
      this.burstCheck ??= after(
        BURST_CHECK_MS,
        () => {
          this.burstCheck = undefined;
          this.recoverLostExits();
          this.schedule(); // natively spawned pids are waited for by pid on each pass
        },
        { unref: true },
      );
    });
    this.schedule(); // children inherited before we started (e.g. exec'd into as PID 1)
  }

  /** A child of ours dead and not waited for: its SIGCHLD may have been dropped by libuv (see above). */
  private recoverLostExits(): void {
    for (const pid of this.ours) {
      if (!isZombie(pid)) continue;
      try {
        process.kill(process.pid, 'SIGCHLD');
      } catch {
        // cannot signal ourselves: the next SIGCHLD does it
      }
      return;
    }
  }

  private listen(): void {
    if (this.listening) return;
    this.listening = true;
    process.on('SIGCHLD', () => this.schedule());
  }

  /**
   * Coalesces a burst of SIGCHLDs into one pass. Inside a storm of orphans (the last pass reaped several, moments
   * ago) the next pass waits STORM_PASS_MS: each pass ends with a waitid(P_ALL) that walks every living child, so
   * a pass per SIGCHLD among 1,000 dying orphans spent most of PID 1's time walking the ones still alive.
   */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      this.pass();
    };
    if (this.lastOrphans >= STORM_ORPHANS && performance.now() - this.lastPassAt < STORM_PASS_MS) after(STORM_PASS_MS, run);
    else setImmediate(run);
  }

  private pass(): void {
    const addon = native();
    if (!this.started) {
      this.waitAdopted(addon.waitpid); // not init: only the pids spawned natively are ours to wait for
    } else {
      const { reaped, blocked } = addon.reapDead([...this.ours]);
      const before = this.reaped;
      for (let i = 0; i < reaped.length; i += 2) this.reapedOne(reaped[i] as number, reaped[i + 1] as number);
      this.lastOrphans = this.reaped - before;
      this.lastPassAt = performance.now();
      if (blocked) {
        // A dead child of libuv's hid the rest from waitid: try every child by pid, as libuv will take its own.
        this.waitAdopted(addon.waitpid);
        this.reapOrphans(addon.waitpid);
      }
    }
    this.emit('pass');
  }

  /** A natively spawned pid's end goes to its spawner; any other is an orphan's. */
  private reapedOne(pid: number, status: number): void {
    const resolve = this.adopted.get(pid);
    if (resolve) {
      this.adopted.delete(pid);
      resolve(decodeWaitStatus(status));
    } else {
      this.reaped++;
      this.emit('orphan', pid, decodeWaitStatus(status));
    }
    this.emit('exit');
  }

  private waitAdopted(waitpid: Waitpid): void {
    for (const pid of this.adopted.keys()) {
      let result: [number, number] | null;
      try {
        result = waitpid(pid);
      } catch {
        result = [pid, 0]; // ECHILD: cannot happen to a pid only we wait for; not leaving its supervisor waiting forever
      }
      if (result) this.reapedOne(pid, result[1]);
    }
  }

  private reapOrphans(waitpid: Waitpid): void {
    for (const pid of childrenOf('self')) {
      if (this.ours.has(pid) || this.adopted.has(pid)) continue;
      let result: [number, number] | null;
      try {
        result = waitpid(pid);
      } catch {
        continue; // ECHILD: libuv or a previous pass got it first
      }
      if (result) this.reapedOne(pid, result[1]);
    }
  }
}

/** There is one reaper per process: waitpid() is process-wide state. */
export const reaper = new Reaper();
