/** `printcontenv NAME`: prints a variable of the container environment; exits 1 when it is not set. */
import { HelpRequest, UsageError } from '../../cli/errors';
import { keepsEnvironment, printContEnv } from '../container-env';
import { CONTAINER_ENV } from '../paths';

export function main(argv: string[]): number {
  if (argv[0] === '--help') throw new HelpRequest('usage: printcontenv NAME');
  const name = argv[0];
  if (name === undefined) throw new UsageError('too few arguments (usage: printcontenv NAME)');
  const value = printContEnv(name, process.env, CONTAINER_ENV);
  if (value === undefined) return 1;
  // The dump's file is printed as it is (s6-cat); a variable of our own environment gets a newline (s6-echo).
  process.stdout.write(keepsEnvironment(process.env) ? `${value}\n` : value);
  return 0;
}
