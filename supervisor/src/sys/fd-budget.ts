/**
 * File descriptors as a budget. s6-svscan gives every service its own s6-supervise process, each with a whole
 * RLIMIT_NOFILE of its own; nuwa supervises every service inside one process, so all of them share one limit. Under a
 * small `ulimit -n` a supervisor that takes its descriptors blindly leaves none to spawn with, and then nothing works.
 * The budget says whether a supervisor costing N more descriptors may start now and still leave RESERVE free for what
 * running services need from moment to moment (a spawn's pipes, reading a settings file, writing a status file).
 *
 * The count of open descriptors is measured (/proc/self/fd) once per pass, then advanced by the costs admitted since:
 * one directory read per pass however many services, so a scan of 1,000 services under a large limit costs nothing.
 */
import * as fs from 'node:fs';

/** Kept free for the moment-to-moment needs of running services (see above; a spawn with a readiness pipe takes 4). */
export const FD_RESERVE = 8;

/** Whether `err` says this process (EMFILE) or the system (ENFILE) has no descriptor left. */
export function isFdExhaustion(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EMFILE' || code === 'ENFILE';
}

/** The soft RLIMIT_NOFILE this process runs under (after Node's own raise), or undefined without /proc. */
export function fdLimit(): number | undefined {
  try {
    const limits = fs.readFileSync('/proc/self/limits', 'latin1');
    const match = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
    if (!match) return undefined;
    return match[1] === 'unlimited' ? Infinity : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** How many descriptors this process holds now (the directory read's own one not counted), or undefined. */
export function openFdCount(): number | undefined {
  try {
    return fs.readdirSync('/proc/self/fd').length - 1;
  } catch {
    return undefined;
  }
}

export class FdBudget {
  private limit: number | undefined;
  /** Measured at the start of the pass, plus what was admitted since. */
  private used = 0;

  constructor(private readonly reserve = FD_RESERVE) {}

  /** The limit as last read (undefined: unknown, and nothing is refused). */
  get max(): number | undefined {
    return this.limit;
  }

  /** Reads the limit and the count afresh: at the start of every pass that may admit something. */
  measure(): void {
    this.limit = fdLimit();
    const count = this.limit === undefined || this.limit === Infinity ? undefined : openFdCount();
    if (count === undefined) this.limit = undefined;
    this.used = count ?? 0;
  }

  /** Whether `cost` more descriptors leave the reserve free; when they do, they are counted as taken. */
  admit(cost: number): boolean {
    if (this.limit === undefined) return true;
    if (this.limit - this.used - cost < this.reserve) return false;
    this.used += cost;
    return true;
  }
}
