/**
 * Watches the supervisors' event/ fifodirs through the listen probe (listen.c), the way s6-svwait does. Every event
 * carries the CLOCK_MONOTONIC time the probe read it: 'U' is "the supervisor saw readiness", 'u' "run spawned".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { killGroup, track } from './cleanup';

export interface SupervisorEvent {
  letter: string;
  ns: bigint;
}

type Waiter = { index: number; letter: string; after: bigint; resolve: (ns: bigint) => void };

export class Listener {
  /** Events seen per service index. */
  readonly events: SupervisorEvent[][];
  private readonly counts = new Map<string, number>();
  private waiters: Waiter[] = [];

  private constructor(
    private readonly child: ChildProcess,
    count: number,
    private readonly keep: boolean,
  ) {
    this.events = Array.from({ length: count }, () => []);
  }

  /** Subscribes to each service's event/ (created if missing). `kick`: answer each 'D' with "u" (see listen.c). */
  static async start(
    probe: string,
    services: string[],
    options: { scratch: string; kick?: boolean; keepEvents?: boolean },
  ): Promise<Listener> {
    const errFile = path.join(options.scratch, 'logs', `listen-${process.hrtime.bigint()}.log`);
    fs.mkdirSync(path.dirname(errFile), { recursive: true });
    const err = fs.openSync(errFile, 'w');
    const child = spawn(probe, [...(options.kick ? ['--kick'] : []), ...services], { stdio: ['pipe', 'pipe', err], detached: true });
    fs.closeSync(err);
    track(child);
    const listener = new Listener(child, services.length, options.keepEvents ?? true);
    const lines = readline.createInterface({ input: child.stdout as NodeJS.ReadableStream });
    await new Promise<void>((resolve, reject) => {
      child.once('exit', () => reject(new Error(`the event listener exited: ${fs.readFileSync(errFile, 'utf8').trim()}`)));
      lines.on('line', (line) => {
        if (line === 'subscribed') return resolve();
        listener.onLine(line);
      });
    });
    return listener;
  }

  private onLine(line: string): void {
    const [index, letter, ns] = line.split(' ') as [string, string, string];
    const i = Number(index);
    const event = { letter, ns: BigInt(ns) };
    if (this.keep) this.events[i]?.push(event);
    const key = `${i}${letter}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.waiters = this.waiters.filter((w) => {
      if (w.index !== i || w.letter !== letter || event.ns < w.after) return true;
      w.resolve(event.ns);
      return false;
    });
  }

  /** How many `letter` events service `index` has sent so far. */
  count(index: number, letter: string): number {
    return this.counts.get(`${index}${letter}`) ?? 0;
  }

  /** The first `letter` event of service `index` at or after `after` (ns); rejects after `timeoutMs`. */
  next(index: number, letter: string, after: bigint, timeoutMs: number): Promise<bigint> {
    const seen = this.events[index]?.find((e) => e.letter === letter && e.ns >= after);
    if (seen) return Promise.resolve(seen.ns);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no '${letter}' event from service #${index} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        index,
        letter,
        after,
        resolve: (ns) => {
          clearTimeout(timer);
          resolve(ns);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** The latest `letter` event of service `index`, if any. */
  last(index: number, letter: string): bigint | undefined {
    const list = this.events[index] ?? [];
    for (let k = list.length - 1; k >= 0; k--) if (list[k]?.letter === letter) return list[k]?.ns;
    return undefined;
  }

  /** Closing stdin makes the probe remove its FIFOs and exit. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin?.end();
    const timer = setTimeout(() => killGroup(this.child), 2000);
    await exited;
    clearTimeout(timer);
  }
}
