/** `s6-sleep [-m] DURATION [PROG…]` (s6-portable-utils): waits DURATION seconds (-m: milliseconds), then execs PROG. */
import { UsageError } from '../cli/errors';
import { getopt } from '../cli/getopt';
import { execInto } from '../sys/exec';
import { sleep } from '../sys/timer';

const USAGE = 's6-sleep [ -m ] duration prog...';

export async function main(argv: string[]): Promise<number> {
  const parsed = getopt(argv, 'm', USAGE, {});
  const millis = parsed.options.length > 0;
  const [duration, ...prog] = parsed.operands;
  if (duration === undefined || !/^\d+$/.test(duration)) throw new UsageError(`usage: ${USAGE}`);
  await sleep(Number(duration) * (millis ? 1 : 1000));
  return prog.length === 0 ? 0 : execInto('s6-sleep', prog, process.env);
}
