/**
 * `logutil-newfifo [-m MODE] [-o OWNER] FIFO` (s6-overlay, deprecated there too): replaces FIFO with a new FIFO of
 * MODE (octal, default 0600) owned by OWNER's uid and gid (default root).
 */
import * as fs from 'node:fs';
import { SystemError, UsageError, reason } from '../../cli/errors';
import { getopt } from '../../cli/getopt';
import { findUser } from '../../sys/accounts';
import { native } from '../../sys/native';

const USAGE = 'logutil-newfifo [ -m mode ] [ -o owner ] fifo';

export function main(argv: string[]): number {
  const parsed = getopt(argv, 'm:o:', USAGE, {});
  let mode = '0600';
  let owner = 'root';
  for (const [flag, value] of parsed.options) {
    if (flag === 'm') mode = value as string;
    else owner = value as string;
  }
  const fifo = parsed.operands[0];
  if (fifo === undefined || !/^[0-7]+$/.test(mode)) throw new UsageError(`usage: ${USAGE}`);
  process.stderr.write('logutil-newfifo: warning: this binary is deprecated, use s6-mkfifo and s6-chown instead\n');
  const user = findUser(owner);
  if (!user) {
    process.stderr.write(`s6-envuidgid: fatal: unknown user: ${owner}\n`);
    return 1;
  }
  try {
    fs.rmSync(fifo, { recursive: true, force: true });
    native().mkfifo(fifo, parseInt(mode, 8));
    fs.chmodSync(fifo, parseInt(mode, 8)); // mkfifo's mode is cut by the umask; s6-mkfifo's is not
    fs.chownSync(fifo, user.uid, user.gid);
  } catch (err) {
    throw new SystemError(`unable to make ${fifo}: ${reason(err)}`);
  }
  return 0;
}
