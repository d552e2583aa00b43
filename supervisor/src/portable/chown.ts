/**
 * `s6-chown [-U] [-u UID] [-g GID] FILE` (s6-portable-utils): numeric ids only; -U takes them from $UID and $GID
 * (as s6-envuidgid sets them); an id not given is left as it is.
 */
import * as fs from 'node:fs';
import { SystemError, UsageError, reason } from '../cli/errors';
import { getopt, scanUint } from '../cli/getopt';

const USAGE = 's6-chown [ -U ] [ -u uid ] [ -g gid ] file';

/** uid_t and gid_t are 32 bits: a larger number does not scan, a usage error as in the original. */
function id(text: string | undefined): number {
  const value = text === undefined ? undefined : scanUint(text);
  if (value === undefined) throw new UsageError(`usage: ${USAGE}`);
  return value;
}

export function main(argv: string[]): number {
  const parsed = getopt(argv, 'Uu:g:', USAGE, {});
  let uid = -1;
  let gid = -1;
  for (const [flag, value] of parsed.options) {
    if (flag === 'U') {
      uid = envId('UID');
      gid = envId('GID');
    } else if (flag === 'u') uid = id(value);
    else gid = id(value);
  }
  const file = parsed.operands[0];
  if (file === undefined) throw new UsageError(`usage: ${USAGE}`);
  try {
    fs.chownSync(file, uid, gid);
  } catch (err) {
    throw new SystemError(`unable to chown ${file}: ${reason(err)}`);
  }
  return 0;
}

/** -U's ids: missing or not a number, the original dies with 100, as for a bad argument. */
function envId(name: 'UID' | 'GID'): number {
  const value = process.env[name];
  if (value === undefined) throw new UsageError(`${name} not set`);
  const id = scanUint(value);
  if (id === undefined) throw new UsageError(`invalid $${name}`);
  return id;
}
