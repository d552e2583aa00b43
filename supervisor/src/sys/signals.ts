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
 * From the start of init until its routes are in place (the main program or the service tree is being started), a
 * signal must be neither fatal (Node's default for SIGTERM when not PID 1) nor lost (PID 1 ignores a signal it has no
 * handler for): it is held, and handed to the first route for it. Node's own start-up, before any of our code,
 * remains a window no JavaScript can close.
 */
export function holdSignals(): void {
  for (const signal of FORWARDED) {
    if (holders.has(signal)) continue;
    const holder = () => held.push(signal);
    holders.set(signal, holder);
    process.on(signal, holder);
  }
}

/** Routes each signal in `routes` to its handler; returns a function that removes the routes. */
export function routeSignals(routes: Partial<Record<NodeJS.Signals, SignalHandler>>): () => void {
  const installed: [NodeJS.Signals, SignalHandler][] = [];
  for (const [signal, handler] of Object.entries(routes) as [NodeJS.Signals, SignalHandler][]) {
    const listener: SignalHandler = (sig) => handler(sig);
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
    for (const [signal, listener] of installed) process.off(signal, listener);
  };
}
