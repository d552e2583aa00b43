/**
 * nuwa svok (alias s6-svok): exit 0 when a supervisor (nuwa's or s6's) holds the service's supervise/lock, 1 when
 * none does, 100 usage, 111 when it cannot tell.
 */
import type { AppletMain } from '../cli/applet';
import { UsageError, SystemError, reason } from '../cli/errors';
import { isSupervised } from '../wire/lock';
import { resolveService } from './service-dir';
import { writeOut } from '../sys/output';

const USAGE = 'svok servicedir';

export const main: AppletMain = (argv) => {
  const arg = argv[0];
  if (arg === '--help') {
    writeOut(`usage: ${USAGE}\n`);
    return 0;
  }
  if (arg === undefined) throw new UsageError(`usage: ${USAGE}`);
  const dir = resolveService(arg);
  try {
    return isSupervised(dir) ? 0 : 1;
  } catch (err) {
    throw new SystemError(`unable to check ${dir}: ${reason(err)}`);
  }
};
