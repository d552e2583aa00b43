/**
 * `s6-envdir [-I | -i] [-n] [-f] [-L] DIR PROG…`: runs PROG with the environment changed by envdir DIR, read as
 * Debian's s6-envdir reads it (see container-env.ts): -f whole files, -n no trimming, -I a missing DIR is fine,
 * -L accepted (nuwa has no length limit).
 */
import { UsageError } from '../../applet';
import { applyEnvdir, readEnvdir, type EnvdirOptions } from '../container-env';
import { execInto } from '../exec';

export function main(argv: string[]): number {
  const options: EnvdirOptions = {};
  let insist = true;
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    for (const flag of arg.slice(1)) {
      if (flag === 'I') insist = false;
      else if (flag === 'i') insist = true;
      else if (flag === 'n') options.verbatim = true;
      else if (flag === 'f') options.full = true;
      else if (flag === 'L') continue;
      else throw new UsageError(`unknown option -${flag} (usage: s6-envdir [-I | -i] [-n] [-f] [-L] DIR PROG...)`);
    }
  }
  const [dir, ...prog] = argv.slice(i);
  if (dir === undefined || prog.length === 0) throw new UsageError('usage: s6-envdir [-I | -i] [-n] [-f] [-L] DIR PROG...');
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
