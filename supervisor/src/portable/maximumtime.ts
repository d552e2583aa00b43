/**
 * `s6-maximumtime [-0|-a|-b|-i|-k|-q|-t|-x|-1|-2] MILLI PROG…` (s6-portable-utils): runs PROG as a child; if it is
 * still running after MILLI ms (0: no limit), sends it the chosen signal (-0: none; SIGTERM by default) and exits 99.
 * Otherwise exits with PROG's code; 111 if PROG was killed by a signal or could not be started.
 */
import { SystemError, UsageError } from '../cli/errors';
import { getopt } from '../cli/getopt';
import { spawn, SpawnError } from '../sys/spawner';
import { after } from '../sys/timer';

const USAGE = 's6-maximumtime [ -0 | -a | -b | -i | -k | -q | -t | -x | -1 | -2 ] milliseconds prog...';
const SIGNALS: Record<string, NodeJS.Signals | null> = {
  '0': null,
  a: 'SIGALRM',
  b: 'SIGABRT',
  i: 'SIGINT',
  k: 'SIGKILL',
  q: 'SIGQUIT',
  t: 'SIGTERM',
  x: 'SIGXCPU',
  '1': 'SIGUSR1',
  '2': 'SIGUSR2',
};
/** s6-maximumtime's exit code when the time ran out. */
export const TIMED_OUT = 99;

export async function main(argv: string[]): Promise<number> {
  const parsed = getopt(argv, '0abikqtx12', USAGE, {});
  const last = parsed.options.at(-1)?.[0] ?? 't';
  const signal = SIGNALS[last] ?? null;
  const [milli, ...prog] = parsed.operands;
  if (milli === undefined || !/^\d+$/.test(milli) || prog.length === 0) throw new UsageError(`usage: ${USAGE}`);
  let child;
  try {
    child = await spawn(prog[0] as string, prog.slice(1), { stdio: 'inherit' });
  } catch (err) {
    if (err instanceof SpawnError) throw new SystemError(`unable to spawn ${prog[0]}: ${err.message}`);
    throw err;
  }
  const limit = Number(milli);
  const timedOut = new Promise<'timeout'>((resolve) => {
    if (limit > 0) after(limit, () => resolve('timeout'), { unref: true });
  });
  const outcome = await Promise.race([child.exited, timedOut]);
  if (outcome === 'timeout') {
    if (signal) child.child.kill(signal);
    process.stderr.write(`s6-maximumtime: ${prog[0]} timed out after ${limit} ms\n`);
    return TIMED_OUT;
  }
  if (outcome.signal != null) throw new SystemError('child process crashed');
  return outcome.code ?? 111;
}
