/** `s6-chmod MODE FILE` (s6-portable-utils): MODE is octal; FILE's symlink is followed. */
import * as fs from 'node:fs';
import { SystemError, UsageError, reason } from '../cli/errors';
import { getopt } from '../cli/getopt';
import { parseOctal } from './modes';

const USAGE = 's6-chmod mode file';

export function main(argv: string[]): number {
  const [mode, file] = getopt(argv, '', USAGE, {}).operands;
  if (mode === undefined || file === undefined) throw new UsageError(`usage: ${USAGE}`);
  const bits = parseOctal(mode, USAGE);
  try {
    fs.chmodSync(file, bits);
  } catch (err) {
    throw new SystemError(`unable to change mode of ${file}: ${reason(err)}`);
  }
  return 0;
}
