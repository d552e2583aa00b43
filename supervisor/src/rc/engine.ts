/**
 * s6-rc's state engine (`s6-rc change`): a service starts as soon as everything it needs is up, independent services
 * start in parallel, and a failure stops only what depends on it. Stopping runs the same graph in reverse: a service
 * stops once nothing that needs it is still up. Exit codes are s6-rc's: 0 all done, 1 some transition failed,
 * 2 timed out (what still runs then is left to finish on its own, as s6-rc -t does).
 */
import { logger } from '../sys/logger';
import { after } from '../sys/timer';
import { closure, dependents, neededBy, type Graph } from './graph';

const log = logger('s6-rc');

export type ServiceState = 'down' | 'starting' | 'up' | 'stopping';

/** What a transition of one atomic service does; resolves true on success. An aborted start must leave it down. */
export interface Transitions {
  up(name: string, abort: AbortSignal): Promise<boolean>;
  down(name: string): Promise<boolean>;
}

export type ChangeCode = 0 | 1 | 2;

/** A wake-up that is never lost: a notify() before wait() makes the next wait() return at once. */
class Wakeup {
  private pending = false;
  private resolve: (() => void) | undefined;

  notify(): void {
    const resolve = this.resolve;
    this.resolve = undefined;
    if (resolve) resolve();
    else this.pending = true;
  }

  wait(): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => (this.resolve = resolve));
  }
}

export class ServiceManager {
  readonly state = new Map<string, ServiceState>();
  /** Starts still running, so that a shutdown can abort them and wait for them to settle. */
  private readonly starting = new Map<string, { abort: AbortController; settled: Promise<void> }>();

  constructor(
    readonly graph: Graph,
    private readonly transitions: Transitions,
  ) {
    for (const name of graph.atoms.keys()) this.state.set(name, 'down');
  }

  private needs(name: string): string[] {
    return [...(this.graph.atoms.get(name)?.needs ?? [])];
  }

  /** Brings up `names` (bundles or atoms) and what they need. `timeoutMs` 0 = no limit. */
  async up(names: readonly string[], options: { timeoutMs?: number; abort?: AbortSignal; timeoutName?: string } = {}): Promise<ChangeCode> {
    const wanted = closure(this.graph, names);
    const failed = new Set<string>();
    const wakeup = new Wakeup();
    let timedOut = false;
    const timer = options.timeoutMs ? after(options.timeoutMs, () => ((timedOut = true), wakeup.notify())) : undefined;
    const onAbort = () => wakeup.notify();
    options.abort?.addEventListener('abort', onAbort, { once: true });
    const mine = new Set<string>();

    for (;;) {
      if (timedOut || options.abort?.aborted) break;
      // What can never start: it needs something that failed (transitively).
      let grew = true;
      while (grew) {
        grew = false;
        for (const name of wanted) {
          if (failed.has(name) || this.state.get(name) !== 'down') continue;
          const culprit = this.needs(name).find((n) => failed.has(n));
          if (culprit !== undefined) {
            failed.add(name);
            log.warn(`not starting ${name}: it depends on ${culprit}, which did not start`);
            grew = true;
          }
        }
      }
      for (const name of wanted) {
        if (this.state.get(name) !== 'down' || failed.has(name)) continue;
        if (!this.needs(name).every((n) => this.state.get(n) === 'up')) continue;
        mine.add(name);
        void this.start(name).then((ok) => {
          mine.delete(name);
          if (!ok) failed.add(name);
          wakeup.notify();
        });
      }
      if (mine.size === 0) break;
      await wakeup.wait();
    }
    timer?.cancel();
    options.abort?.removeEventListener('abort', onAbort);
    const notUp = [...wanted].filter((n) => this.state.get(n) !== 'up');
    if (timedOut) {
      log.error(
        `timed out after ${options.timeoutMs} ms (${options.timeoutName ?? 'S6_CMD_WAIT_FOR_SERVICES_MAXTIME'}); ` +
          `not up yet: ${notUp.join(' ')}`,
      );
      return 2;
    }
    return notUp.length === 0 ? 0 : 1;
  }

  private start(name: string): Promise<boolean> {
    const abort = new AbortController();
    this.state.set(name, 'starting');
    log.info(`service ${name}: starting`);
    const result = (async () => {
      let ok = false;
      try {
        ok = await this.transitions.up(name, abort.signal);
      } catch (err) {
        log.error(`service ${name}: ${(err as Error).message}`);
      }
      this.state.set(name, ok ? 'up' : 'down');
      if (ok) log.info(`service ${name} successfully started`);
      else if (!abort.signal.aborted) log.warn(`unable to start service ${name}`);
      return ok;
    })();
    const settled = result.then(() => {
      this.starting.delete(name);
    });
    this.starting.set(name, { abort, settled });
    return result;
  }

  /**
   * Brings `names` (bundles or atoms) down, with every service that is up and needs them, directly or not
   * (`s6-rc -d change`): what needs a service stops before it. `timeoutMs` 0 = no limit.
   */
  down(names: readonly string[], options: { timeoutMs?: number } = {}): Promise<ChangeCode> {
    const keep = this.essentials();
    const selected = [...dependents(this.graph, names)].filter((n) => this.state.get(n) === 'up');
    const kept = selected.filter((n) => keep.has(n));
    if (kept.length > 0) log.info(`not stopping ${kept.join(' ')}: essential, or needed by an essential service (as s6-rc without -D)`);
    return this.stopAll(new Set(selected.filter((n) => !keep.has(n))), options.timeoutMs ?? 0);
  }

  /** The services flag-essential keeps up, with what they need: only the container's final SIGTERM stops them. */
  private essentials(): Set<string> {
    return closure(
      this.graph,
      [...this.graph.atoms.values()].filter((a) => a.def.essential).map((a) => a.def.name),
    );
  }

  /**
   * Brings every service that is up back down, in reverse dependency order (`s6-rc -da change`). Starts still running
   * are aborted and awaited first. Essential services (flag-essential) and what they need stay up: they go down with
   * the final SIGTERM to every process.
   */
  async downAll(): Promise<ChangeCode> {
    for (const { abort } of this.starting.values()) abort.abort();
    await Promise.all([...this.starting.values()].map((s) => s.settled));
    const keep = this.essentials();
    return this.stopAll(new Set([...this.graph.atoms.keys()].filter((n) => this.state.get(n) === 'up' && !keep.has(n))), 0);
  }

  /** Stops the atoms of `toStop` in reverse dependency order, in parallel where nothing orders them. */
  private async stopAll(toStop: Set<string>, timeoutMs: number): Promise<ChangeCode> {
    const needers = neededBy(this.graph);

    let code: ChangeCode = 0;
    const stuck = new Set<string>();
    const running = new Set<string>();
    const wakeup = new Wakeup();
    let timedOut = false;
    const timer = timeoutMs ? after(timeoutMs, () => ((timedOut = true), wakeup.notify())) : undefined;
    for (;;) {
      if (timedOut) break;
      for (const name of toStop) {
        if (running.has(name) || stuck.has(name)) continue;
        const dependents = (needers.get(name) ?? []).filter((d) => toStop.has(d));
        if (dependents.some((d) => stuck.has(d))) {
          stuck.add(name); // s6-rc does not stop what a service that failed to stop still needs
          log.warn(`not stopping ${name}: a service that needs it did not stop`);
          continue;
        }
        if (dependents.length > 0) continue;
        running.add(name);
        void this.stop(name).then((ok) => {
          running.delete(name);
          if (ok) toStop.delete(name);
          else {
            stuck.add(name);
            code = 1;
          }
          wakeup.notify();
        });
      }
      if (running.size === 0) break;
      await wakeup.wait();
    }
    timer?.cancel();
    if (timedOut) {
      log.error(`timed out after ${timeoutMs} ms; not down yet: ${[...toStop].join(' ')}`);
      return 2;
    }
    return code;
  }

  private async stop(name: string): Promise<boolean> {
    this.state.set(name, 'stopping');
    log.info(`service ${name}: stopping`);
    let ok = false;
    try {
      ok = await this.transitions.down(name);
    } catch (err) {
      log.error(`service ${name}: ${(err as Error).message}`);
    }
    this.state.set(name, ok ? 'down' : 'up');
    if (ok) log.info(`service ${name} successfully stopped`);
    else log.warn(`unable to stop service ${name}`);
    return ok;
  }
}
