/**
 * The signal router. As PID 1 a signal without a handler is simply ignored by the kernel, so every signal we act on
 * gets an explicit handler here, and nowhere else.
 */
export type SignalHandler = (signal: NodeJS.Signals) => void;

/** The signals a container runtime or a user sends to PID 1 and that init passes on to its main program. */
export const FORWARDED: readonly NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGTERM'];

/** Signals held since holdSignals(), waiting for a route; and the listeners that hold them. */
const held: NodeJS.Signals[] = [];
const holders = new Map<NodeJS.Signals, () => void>();
/**
 * Every arrival of each signal JavaScript has been told of, held or routed (for forwardNatively, sys/pid1.ts). Counted
 * by each holder and route listener: one arrival once while a signal has at most one route, as init's have.
 */
const arrivals = new Map<NodeJS.Signals, number>();
const arrived = (signal: NodeJS.Signals): void => void arrivals.set(signal, (arrivals.get(signal) ?? 0) + 1);

/** How many times JavaScript has been told `signal` arrived since holdSignals() or its first route. */
export function arrivalsOf(signal: NodeJS.Signals): number {
  return arrivals.get(signal) ?? 0;
}

/** Set by releaseSignals(): a holder that fires from then on gives its signal its default action back and raises it. */
let releasing = false;

/**
 * From the start of init until its routes are in place (the main program or the service tree is being started), a
 * signal must be neither fatal (Node's default for SIGTERM when not PID 1) nor lost (PID 1 ignores a signal it has no
 * handler for): it is held, and handed to the first route for it. The executable's entry (entry.ts) calls this as the
 * first statement of the bundle, before any other of nuwa's modules is evaluated; Node's own start-up, before any
 * JavaScript runs, remains a window no JavaScript can close (README, "A signal right after start"). Calling it again
 * changes nothing.
 *
 * SIGTERM and SIGINT get their holders first (they stop a container; each process.on of a new signal is a system call
 * or two). As the kernel does for a standard signal, one that is already held is not held twice: what waits for a
 * route is at most one of each, in the order they first came, whatever flood arrives before the route.
 */
export function holdSignals(): void {
  const stopFirst: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
  for (const signal of [...stopFirst, ...FORWARDED.filter((s) => !stopFirst.includes(s))]) {
    if (holders.has(signal)) continue;
    const holder = () => {
      arrived(signal);
      if (releasing) raiseAgain(signal);
      else if (!held.includes(signal)) held.push(signal);
    };
    holders.set(signal, holder);
    process.on(signal, holder);
  }
}

/**
 * Whether this start may be init's: PID 1 (any applet), or `init` by the name it was called by (`/init`) or as the
 * first argument (`nuwa init`). Only then does entry.ts hold signals from the first statement. A tool never holds
 * them: a signal reaches it with its default action, as it reaches a C tool. (Holding and then giving them back is not
 * free of a race: a signal libuv has caught but not yet handed over is dropped when its handle closes, and measured, a
 * SIGINT sent in a tool's first milliseconds was lost 7 times in 10 that way. main.ts still gives them back in the
 * odd case this guess holds for a tool, `s6-echo init`.)
 */
export function mayBeInit(argv: readonly string[] = process.argv): boolean {
  const called = argv[1] ?? '';
  return process.pid === 1 || called === 'init' || called.endsWith('/init') || argv[2] === 'init';
}

/** Removes the holder of `signal` and, unless something else now listens for it, raises it with its default action. */
function raiseAgain(signal: NodeJS.Signals): void {
  const holder = holders.get(signal);
  if (holder) process.off(signal, holder); // the last listener gone, libuv gives the signal SIG_DFL back
  holders.delete(signal);
  if (process.listenerCount(signal) > 0) return; // routed meanwhile: the route has it
  try {
    process.kill(process.pid, signal);
  } catch {
    // cannot signal ourselves: nothing better to do with it
  }
}

/**
 * Ends the holding for a program that will not route these signals (a tool, or an applet that is not PID 1), so that
 * each signal does what it would have done without the holding (SIGTERM, SIGINT: the process ends): one held so far
 * is raised again at once, with its default action back. One that libuv has caught but not yet handed to JavaScript
 * (nothing is handed over before the event loop's first turn, and start-up runs before it) reaches its holder on that
 * turn and is raised then; after it, the remaining holders go.
 */
export function releaseSignals(): void {
  if (releasing) return;
  releasing = true;
  for (const signal of held.splice(0, held.length)) raiseAgain(signal);
  // the loop's poll phase, where libuv hands caught signals over, comes before the check phase of setImmediate
  setImmediate(() => {
    for (const [signal, holder] of holders) process.off(signal, holder);
    holders.clear();
  }).unref();
}

/** Listeners told when a burst of signals was coalesced (see routeSignals). */
const burstListeners = new Set<() => void>();

/**
 * `listener` runs (at most once per turn of the event loop) whenever routed signals came faster than they could be
 * handled one by one. The reaper listens: libuv drops signals when its internal pipe is full, a SIGCHLD among them.
 */
export function onSignalBurst(listener: () => void): () => void {
  burstListeners.add(listener);
  return () => burstListeners.delete(listener);
}

/**
 * Routes whose signal was caught and not yet handled, in the order their signals first came; each at most once. Keyed
 * by the listener routeSignals installed (one per route and signal, whatever handler the caller shares among them).
 */
const pending = new Map<SignalHandler, [NodeJS.Signals, SignalHandler]>();
let dispatchScheduled = false;
let coalesced = false;

/**
 * Hands each pending signal to its route once. A flood (hundreds of thousands a second) costs one handler call per
 * route and turn of the loop, as the kernel coalesces a standard signal that is already pending, and as s6-svscan
 * reads its self-pipe dry and then acts once: the supervision between two turns goes on.
 */
function dispatchPending(): void {
  dispatchScheduled = false;
  const due = [...pending];
  pending.clear();
  if (coalesced) {
    coalesced = false;
    for (const listener of burstListeners) listener();
  }
  for (const [, [signal, handler]] of due) handler(signal);
}

function caught(listener: SignalHandler, signal: NodeJS.Signals, handler: SignalHandler): void {
  if (pending.has(listener)) coalesced = true;
  else pending.set(listener, [signal, handler]);
  if (dispatchScheduled) return;
  dispatchScheduled = true;
  setImmediate(dispatchPending); // the check phase, right after the poll phase that delivered the signals
}

/** Routes each signal in `routes` to its handler (bursts coalesced, see dispatchPending); returns a function that removes the routes. */
export function routeSignals(routes: Partial<Record<NodeJS.Signals, SignalHandler>>): () => void {
  const installed: [NodeJS.Signals, SignalHandler][] = [];
  for (const [signal, handler] of Object.entries(routes) as [NodeJS.Signals, SignalHandler][]) {
    const listener: SignalHandler = (sig) => {
      arrived(sig);
      caught(listener, sig, handler);
    };
    process.on(signal, listener);
    installed.push([signal, listener]);
    const holder = holders.get(signal);
    if (holder) {
      process.off(signal, holder);
      holders.delete(signal);
    }
  }
  // what arrived before the route, in arrival order, once the caller has finished setting up
  const replay = held.filter((signal) => signal in routes);
  if (replay.length > 0) {
    held.splice(0, held.length, ...held.filter((signal) => !(signal in routes)));
    process.nextTick(() => {
      for (const signal of replay) routes[signal]?.(signal);
    });
  }
  return () => {
    for (const [signal, listener] of installed) {
      process.off(signal, listener);
      pending.delete(listener); // a route removed is not called afterwards
    }
  };
}

/**
 * Gives `signal` its default action back while nothing listens for it: Node ignores SIGPIPE and SIGXFSZ and catches
 * SIGUSR1 for its inspector, and libuv sets SIG_DFL when the last listener of a signal goes (as raiseAgain relies on).
 * For a program that must die of such a signal as a C program would (execline's trap).
 */
export function restoreDefaultAction(signal: NodeJS.Signals): void {
  if (signal === 'SIGCHLD' || process.listenerCount(signal) > 0) return;
  const nothing = (): void => undefined;
  process.on(signal, nothing);
  process.off(signal, nothing);
}
