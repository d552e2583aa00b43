/** `s6-svdt-clear SERVICEDIR`: empties the service's death tally (the supervisor appends to what is on disk). */
import { SystemError, UsageError, reason } from '../cli/errors';
import { getopt } from '../cli/getopt';
import { writeDeathTally } from '../wire/death-tally';

const USAGE = 's6-svdt-clear servicedir';

export function main(argv: string[]): number {
  const dir = getopt(argv, '', USAGE, {}).operands[0];
  if (dir === undefined) throw new UsageError(`usage: ${USAGE}`);
  try {
    writeDeathTally(dir, []);
  } catch (err) {
    throw new SystemError(`unable to clear death tally for service ${dir}: ${reason(err)}`);
  }
  return 0;
}
