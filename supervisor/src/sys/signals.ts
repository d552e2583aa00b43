/**
 * The signal router. As PID 1 a signal without a handler is simply ignored by the kernel, so every signal we act on
 * gets an explicit handler here, and nowhere else.
 */
export type SignalHandler = (signal: NodeJS.Signals) => void;

/** The signals a container runtime or a user sends to PID 1 and that init passes on to its main program. */
export const FORWARDED: readonly NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGTERM'];

/** Routes each signal in `routes` to its handler; returns a function that removes the routes. */
export function routeSignals(routes: Partial<Record<NodeJS.Signals, SignalHandler>>): () => void {
  const installed: [NodeJS.Signals, SignalHandler][] = [];
  for (const [signal, handler] of Object.entries(routes) as [NodeJS.Signals, SignalHandler][]) {
    const listener: SignalHandler = (sig) => handler(sig);
    process.on(signal, listener);
    installed.push([signal, listener]);
  }
  return () => {
    for (const [signal, listener] of installed) process.off(signal, listener);
  };
}
