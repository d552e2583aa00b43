/** `s6-echo [-n] [-s SEP] ARGS…`: ARGS separated by SEP (a space), then a newline unless -n (s6-portable-utils). */
import { writeOut } from '../sys/output';
import { getopt } from '../cli/getopt';

const USAGE = 's6-echo [ -n ] [ -s sep ] args...';

export function main(argv: string[]): number {
  const parsed = getopt(argv, 'ns:', USAGE, {});
  let newline = true;
  let separator = ' ';
  for (const [flag, value] of parsed.options) {
    if (flag === 'n') newline = false;
    else separator = (value as string)[0] ?? '\0'; // the original takes the argument's first byte: an empty one is NUL
  }
  writeOut(parsed.operands.join(separator) + (newline ? '\n' : ''));
  return 0;
}
