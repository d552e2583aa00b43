/** `halt`, `poweroff`, `reboot` (s6-overlay: /run/s6/basedir/bin/halt): ask nuwa init to stop the container. */
import * as path from 'node:path';
import { UsageError } from '../../cli/errors';
import { getopt } from '../../cli/getopt';
import { requestHalt, type HaltKind } from '../halt';

function kindOf(name: string): HaltKind {
  return name === 'poweroff' || name === 'reboot' ? name : 'halt';
}

const USAGE = 'halt | poweroff | reboot [ -f ] [ -w | -W ]   (or nuwa halt [poweroff|reboot]): stop the container';

/**
 * `nuwa halt`, or nuwa called as halt/poweroff/reboot through a symlink. s6-linux-init's -f, -w, -W are accepted
 * (they change nothing in a container); anything else is a usage error, and --help prints the usage: neither halts.
 */
export function main(argv: string[]): number {
  const called = path.basename(process.argv[1] ?? 'halt');
  const { operands } = getopt(argv, 'fwW', USAGE);
  const [word, ...extra] = operands;
  if (extra.length > 0 || (word !== undefined && word !== 'poweroff' && word !== 'reboot' && word !== 'halt')) {
    throw new UsageError(`unexpected argument '${operands.join(' ')}'; usage: ${USAGE}`);
  }
  return requestHalt(word ?? kindOf(called));
}
