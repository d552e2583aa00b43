/**
 * `with-retries [-n TRIES] [-t MS] PROG…` (s6-overlay): runs PROG until it succeeds, at most TRIES times (default 3),
 * each run limited to MS milliseconds (default 500; SIGTERM when over). Exits 0 on the first success, 1 otherwise.
 */
import { UsageError } from '../../cli/errors';
import { runProgram } from '../../sys/run-program';
import { getopt } from '../../cli/getopt';

const USAGE = 'with-retries [-n TRIES] [-t MS] PROG...';

export async function main(argv: string[]): Promise<number> {
  let tries = 3;
  let timeoutMs = 500;
  const parsed = getopt(argv, 'n:t:', USAGE);
  for (const [flag, value] of parsed.options) {
    if (!/^\d+$/.test(value as string)) throw new UsageError(`-${flag} needs a number; usage: ${USAGE}`);
    if (flag === 'n') tries = Number(value);
    else timeoutMs = Number(value);
  }
  const prog = parsed.operands;
  if (prog.length === 0) throw new UsageError(`usage: ${USAGE}`);
  for (let k = 0; k < tries; k++) {
    const result = await runProgram(prog, { env: process.env, cwd: process.cwd(), timeoutMs, stdin: 'inherit' });
    if (result.spawnError) process.stderr.write(`with-retries: ${result.spawnError}\n`);
    if (result.code === 0) return 0;
  }
  return 1;
}
