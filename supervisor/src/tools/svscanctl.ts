/**
 * nuwa svscanctl (alias s6-svscanctl): sends s6-svscanctl's letters to a scanner's `.s6-svscan/control` — nuwa's or
 * s6's: z reap, a rescan, b abort, h rescan and kill removed services, i/t terminate, q quit, n/N kill removed services.
 * The scan dir defaults to $NUWA_SCANDIR, else /run/service. Exit codes as s6-svscanctl: 0, 100 usage or no scanner,
 * 111 system error.
 */
import type { AppletMain } from '../cli/applet';
import { SCANNER_DIR } from '../wire/control';
import { control } from './control-client';
import { UsageError } from '../cli/errors';
import { getopt } from '../cli/getopt';
import { scanDir } from './service-dir';
import { writeOut } from '../sys/output';

const USAGE = 'svscanctl [ -zabhitqnN ] [ scandir ]';
const MAX_LETTERS = 64;

export const main: AppletMain = (argv) => {
  const { options, long, operands } = getopt(argv, 'zabhitqnN', USAGE, ['help']);
  if (long.has('help')) {
    writeOut(`usage: ${USAGE}\n`);
    return 0;
  }
  const letters = options.map(([opt]) => opt).join('');
  if (letters.length > MAX_LETTERS) throw new UsageError(`too many commands (at most ${MAX_LETTERS})`);
  const dir = operands[0] ?? scanDir();
  if (dir === '') throw new UsageError('invalid scan dir path');
  control(dir, SCANNER_DIR, letters, 'scanner');
  return 0;
};
