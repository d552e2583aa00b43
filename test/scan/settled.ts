/**
 * The scanner's log, complete up to now. Lines from the scanner can reach the test process late (seen under load:
 * hundreds of bytes waiting in the socket), so "this line appears exactly once" is only meaningful once every earlier
 * line has arrived: write a byte that is no command to .s6-svscan/control and wait for the warning it causes — the
 * log is in order, so everything logged before it has arrived too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitFor } from '../helpers';
import type { Scanner } from '../helpers/s6';

const MARK = /ignored unknown command byte\(s\) on \.s6-svscan\/control/g;

export async function settledOutput(scanner: Scanner): Promise<string> {
  const before = scanner.output().match(MARK)?.length ?? 0;
  fs.writeFileSync(path.join(scanner.scandir, '.s6-svscan', 'control'), Buffer.from([0x01]));
  await waitFor('the scanner log to catch up', () => (scanner.output().match(MARK)?.length ?? 0) > before);
  return scanner.output();
}
