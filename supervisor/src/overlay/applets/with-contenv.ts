/**
 * `with-contenv PROG ARGS…`: runs PROG with the container environment (s6-overlay's with-contenv), usually as a
 * shebang: `#!/command/with-contenv sh`. With S6_KEEP_ENV the environment is passed on unchanged.
 */
import { HelpRequest, UsageError } from '../../cli/errors';
import { containerEnvironment } from '../container-env';
import { execInto } from '../../sys/exec';
import { CONTAINER_ENV } from '../paths';

export function main(argv: string[]): number | Promise<number> {
  if (argv[0] === '--help') throw new HelpRequest('usage: with-contenv PROG [ARGS...]');
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  if (args.length === 0) throw new UsageError('usage: with-contenv PROG [ARGS...]');
  let env: NodeJS.ProcessEnv;
  try {
    env = containerEnvironment(process.env, CONTAINER_ENV);
  } catch (err) {
    process.stderr.write(`with-contenv: fatal: cannot read ${CONTAINER_ENV}: ${(err as Error).message}\n`);
    return 111;
  }
  return execInto('with-contenv', args, env);
}
