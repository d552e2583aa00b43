/** `s6-rmrf FILE…` (s6-portable-utils): removes each FILE, recursively; a missing one is fine. Exit 111 on a failure. */
import * as fs from 'node:fs';
import { UsageError, reason } from '../cli/errors';
import { getopt } from '../cli/getopt';

const USAGE = 's6-rmrf file ...';

export function main(argv: string[]): number {
  const files = getopt(argv, '', USAGE, {}).operands;
  if (files.length === 0) throw new UsageError(`usage: ${USAGE}`);
  let failed = false;
  for (const file of files) {
    try {
      fs.rmSync(file, { recursive: true, force: true });
    } catch (err) {
      process.stderr.write(`s6-rmrf: warning: unable to remove ${file}: ${reason(err)}\n`);
      failed = true;
    }
  }
  return failed ? 111 : 0;
}
