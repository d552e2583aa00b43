/**
 * `s6-test EXPRESSION…` (s6-portable-utils; execline's eltest): exit 0 if EXPRESSION is true, 1 if false, 100 when it
 * does not parse. No arguments: false. (`--help` is answered with the usage, as by every nuwa applet.)
 */
import { HelpRequest } from '../cli/errors';
import { evaluate, parseExpression } from './test-expression';

export function main(argv: string[]): number {
  if (argv.length === 1 && argv[0] === '--help') throw new HelpRequest('usage: s6-test expression...');
  if (argv.length === 0) return 1;
  return evaluate(parseExpression(argv)) ? 0 : 1;
}
