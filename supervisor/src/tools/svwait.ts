/**
 * nuwa svwait (alias s6-svwait): waits until services are up (-u, default), up and ready (-U), down (-d), down and
 * finished (-D), or restarted (-r/-R: down first, then up/ready); all of them (-a, default) or one (-o); at most -t ms.
 * Subscribes to each event/ fifodir before reading its status, so no transition is missed.
 * Exit codes as s6-svwait: 0 reached, 99 timeout, 100 usage, 111 system error, n = how many services failed
 * permanently or lost their supervisor.
 */
import type { AppletMain } from '../cli/applet';
import { AppletError, UsageError } from '../cli/errors';
import type { Goal, WaitResult } from '../wire/svlisten';
import { getopt, parseMilliseconds } from '../cli/getopt';
import { resolveService } from './service-dir';
import { openWatch } from './watch';
import { writeOut } from '../sys/output';

const USAGE = 'svwait [ -U | -u | -d | -D | -r | -R ] [ -a | -o ] [ -t timeout ] servicedir...';

function check(result: WaitResult): void {
  if (!result.reached) throw new AppletError('timed out', 99);
  if (result.failures > 0)
    throw new AppletError(`${result.failures} service(s) reported permanent failure or their supervisor died`, result.failures);
}

export const main: AppletMain = async (argv) => {
  const { options, long, operands } = getopt(argv, 'UudDrRaot:', USAGE, ['help']);
  if (long.has('help')) {
    writeOut(`usage: ${USAGE}\n`);
    return 0;
  }
  let mode = 'u';
  let any = false;
  let timeout = 0;
  for (const [opt, arg] of options) {
    if (opt === 'a' || opt === 'o') any = opt === 'o';
    else if (opt === 't') timeout = parseMilliseconds(arg as string, '-t', USAGE);
    else mode = opt;
  }
  if (operands.length === 0) throw new UsageError(`usage: ${USAGE}`);
  const dirs = operands.map((arg) => resolveService(arg));
  const deadline = timeout > 0 ? performance.now() + timeout : undefined;
  const watch = openWatch(dirs);
  try {
    if (mode === 'r' || mode === 'R') check(await watch.until({ up: false, ready: false }, false, deadline));
    const goal: Goal = { up: 'uUrR'.includes(mode), ready: 'UDR'.includes(mode) };
    check(await watch.until(goal, any, deadline));
  } finally {
    watch.close();
  }
  return 0;
};
