/**
 * Signals to init under s6-overlay (s6-linux-init in a container): TERM and USR2 halt, INT reboots, USR1 and PWR
 * power off, QUIT and WINCH are ignored, HUP rescans /run/service. With S6_CMD_RECEIVE_SIGNALS, TERM QUIT INT USR1
 * USR2 PWR WINCH go to CMD while it runs instead.
 */
import { routeSignals } from '../sys/signals';
import type { BootState } from './boot-state';
import type { HaltKind } from './halt';

/** Signals s6-overlay diverts to CMD with S6_CMD_RECEIVE_SIGNALS. */
const CMD_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGQUIT', 'SIGINT', 'SIGUSR1', 'SIGUSR2', 'SIGPWR', 'SIGWINCH'];
/** What each signal to init does otherwise (s6-linux-init-maker's container-mode .s6-svscan scripts). */
const SIGNAL_ACTION: Partial<Record<NodeJS.Signals, HaltKind | 'ignore' | 'rescan'>> = {
  SIGTERM: 'halt',
  SIGUSR2: 'halt',
  SIGINT: 'reboot',
  SIGUSR1: 'poweroff',
  SIGPWR: 'poweroff',
  SIGQUIT: 'ignore',
  SIGWINCH: 'ignore',
  SIGHUP: 'rescan',
};
/** Signals a terminal sends to its whole foreground process group: CMD got them already when it shares our tty. */
const FROM_TERMINAL: ReadonlySet<NodeJS.Signals> = new Set(['SIGINT', 'SIGQUIT', 'SIGWINCH']);

function onSignal(state: BootState, signal: NodeJS.Signals): void {
  const { cmd, terminal } = state;
  if (cmd && state.receiveSignals && CMD_SIGNALS.includes(signal)) {
    if (!(terminal && FROM_TERMINAL.has(signal))) {
      try {
        process.kill(cmd.pid, signal);
      } catch {
        // CMD is exiting; its end is handled by stage 2
      }
    }
    return;
  }
  const action = SIGNAL_ACTION[signal];
  if (action === 'rescan') state.scanner?.prune();
  else if (action === 'ignore') return;
  else if (action) {
    // ^C on a terminal CMD shares: CMD gets it from the terminal and its exit ends the container.
    if (cmd && terminal && FROM_TERMINAL.has(signal)) return;
    state.requestHalt(action);
  }
}

/** Routes init's signals for the whole boot; undone by stage 3. */
export function routeInitSignals(state: BootState): void {
  const signals = Object.keys(SIGNAL_ACTION) as NodeJS.Signals[];
  state.cleanups.push(routeSignals(Object.fromEntries(signals.map((signal) => [signal, () => onSignal(state, signal)]))));
}
