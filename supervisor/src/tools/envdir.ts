/**
 * `s6-envdir [-I | -i] [-n] [-f] [-L] DIR PROG…`: runs PROG with the environment changed by envdir DIR, read as
 * Debian's s6-envdir reads it (see container-env.ts): -f whole files, -n no trimming, -I a missing DIR is fine,
 * -L accepted (nuwa has no length limit).
 */
import { UsageError } from '../cli/errors';
import { applyEnvdir, readEnvdir, type EnvdirOptions } from '../wire/envdir';
import { execInto } from '../sys/exec';
import { getopt } from '../cli/getopt';

const USAGE = 's6-envdir [-I | -i] [-n] [-f] [-L] DIR PROG...';

export function main(argv: string[]): number | Promise<number> {
  const options: EnvdirOptions = {};
  let insist = true;
  const parsed = getopt(argv, 'IinfL', USAGE);
  for (const [flag] of parsed.options) {
    if (flag === 'I') insist = false;
    else if (flag === 'i') insist = true;
    else if (flag === 'n') options.verbatim = true;
    else if (flag === 'f') options.full = true;
    // -L: accepted, nuwa has no length limit
  }
  const [dir, ...prog] = parsed.operands;
  if (dir === undefined || prog.length === 0) throw new UsageError(`usage: ${USAGE}`);
  let changes: ReturnType<typeof readEnvdir>;
  try {
    changes = readEnvdir(dir, options);
  } catch (err) {
    if (insist || (err as NodeJS.ErrnoException).code !== 'ENOENT') {
      process.stderr.write(`s6-envdir: fatal: unable to envdir ${dir}: ${(err as Error).message}\n`);
      return 111;
    }
    changes = new Map();
  }
  return execInto('s6-envdir', prog, applyEnvdir(process.env, changes));
}
