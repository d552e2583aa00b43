/**
 * `s6-svdt [-S | -s] [-n MAX] SERVICEDIR`: prints the service's death tally (supervise/death_tally), oldest first, one
 * line per death: `@TAI64N exitcode N` or `@TAI64N signal SIGNAME` (-s: the signal's number; -S, the default: its
 * name). -n: only the MAX newest. Exit 111 when the tally cannot be read.
 */
import { writeOut } from '../sys/output';
import * as fs from 'node:fs';
import { SystemError, UsageError, reason } from '../cli/errors';
import { getopt } from '../cli/getopt';
import { deathTallyPath, unpackDeaths, type Death } from '../wire/death-tally';
import { formatTain } from '../wire/tai64n';
import { signalName } from '../sys/wait-status';

const USAGE = 's6-svdt [ -S | -s ] [ -n maxentries ] servicedir';

export function deathLine(death: Death, numeric: boolean): string {
  if (death.signal === 0) return `${formatTain(death.at)} exitcode ${death.exitCode}`;
  return `${formatTain(death.at)} signal ${numeric ? death.signal : signalName(death.signal)}`;
}

export function main(argv: string[]): number {
  const parsed = getopt(argv, 'Ssn:', USAGE, {});
  let numeric = false;
  let max = Infinity;
  for (const [flag, value] of parsed.options) {
    if (flag === 's') numeric = true;
    else if (flag === 'S') numeric = false;
    else if (/^\d+$/.test(value as string)) max = Number(value);
    else throw new UsageError(`usage: ${USAGE}`);
  }
  const dir = parsed.operands[0];
  if (dir === undefined) throw new UsageError(`usage: ${USAGE}`);
  let deaths: Death[];
  try {
    deaths = unpackDeaths(fs.readFileSync(deathTallyPath(dir)));
  } catch (err) {
    throw new SystemError(`unable to read death tally for service ${dir}: ${reason(err)}`);
  }
  const shown = max === 0 ? [] : deaths.slice(-max);
  writeOut(shown.map((d) => `${deathLine(d, numeric)}\n`).join(''));
  return 0;
}
