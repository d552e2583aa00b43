/**
 * `s6-pause [-t] [-h] [-a] [-q] [-b] [-i] [-p SIGNALS]` (s6-portable-utils): blocks until killed. Each option makes
 * one signal ignored (-t TERM, -h HUP, -a ALRM, -q QUIT, -b ABRT, -i INT, -p a comma-separated list of numbers), so
 * that a script can wait for one particular signal.
 */
import { UsageError } from '../cli/errors';
import { getopt } from '../cli/getopt';
import { signalName } from '../sys/wait-status';
import { every, MAX_TIMER_MS } from '../sys/timer';

const USAGE = 's6-pause [ -t ] [ -h ] [ -a ] [ -q ] [ -b ] [ -i ] [ -p signals ]';
const LETTERS: Record<string, NodeJS.Signals> = { t: 'SIGTERM', h: 'SIGHUP', a: 'SIGALRM', q: 'SIGQUIT', b: 'SIGABRT', i: 'SIGINT' };

function ignoredSignals(argv: string[]): NodeJS.Signals[] {
  const ignored: NodeJS.Signals[] = [];
  for (const [flag, value] of getopt(argv, 'thaqbip:', USAGE, {}).options) {
    if (flag !== 'p') {
      ignored.push(LETTERS[flag] as NodeJS.Signals);
      continue;
    }
    for (const number of (value as string).split(',')) {
      const name = /^\d+$/.test(number) ? signalName(Number(number)) : '';
      if (!/^SIG[A-Z]/.test(name) || name === 'SIGKILL' || name === 'SIGSTOP') throw new UsageError(`usage: ${USAGE}`);
      ignored.push(name as NodeJS.Signals);
    }
  }
  return ignored;
}

export function main(argv: string[]): Promise<number> {
  const ignored = ignoredSignals(argv);
  for (const signal of ignored) process.on(signal, () => undefined);
  // Nothing to do but exist: one timer keeps the event loop alive, waking once every ~25 days.
  every(MAX_TIMER_MS, () => undefined);
  return new Promise<number>(() => undefined);
}
