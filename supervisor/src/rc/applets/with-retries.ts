/**
 * `with-retries [-n TRIES] [-t MS] PROG…` (s6-overlay): runs PROG until it succeeds, at most TRIES times (default 3),
 * each run limited to MS milliseconds (default 500; SIGTERM when over). Exits 0 on the first success, 1 otherwise.
 */
import { UsageError } from '../../applet';
import { runProgram } from '../run-program';

export async function main(argv: string[]): Promise<number> {
  let tries = 3;
  let timeoutMs = 500;
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      i++;
      break;
    }
    const m = /^-([nt])(\d*)$/.exec(arg);
    if (!m) break;
    const value = m[2] !== '' ? m[2] : argv[++i];
    if (value === undefined || !/^\d+$/.test(value)) throw new UsageError(`-${m[1]} needs a number (usage: with-retries [-n TRIES] [-t MS] PROG...)`);
    if (m[1] === 'n') tries = Number(value);
    else timeoutMs = Number(value);
  }
  const prog = argv.slice(i);
  if (prog.length === 0) throw new UsageError('usage: with-retries [-n TRIES] [-t MS] PROG...');
  for (let k = 0; k < tries; k++) {
    const result = await runProgram(prog, { env: process.env, cwd: process.cwd(), timeoutMs, stdin: 'inherit' });
    if (result.spawnError) process.stderr.write(`with-retries: ${result.spawnError}\n`);
    if (result.code === 0) return 0;
  }
  return 1;
}
