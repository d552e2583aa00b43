/**
 * `s6-ls [-0] [-a | -A] [-x EXCLUDE] DIR` (s6-portable-utils): DIR's entries in directory order (unsorted), one a
 * line (-0: NUL-terminated). Dot files are left out unless -a (all but `.` and `..`) or -A (everything); -x leaves
 * out the entry named EXCLUDE.
 */
import { writeOut } from '../sys/output';
import * as fs from 'node:fs';
import { SystemError, UsageError, reason } from '../cli/errors';
import { getopt } from '../cli/getopt';

const USAGE = 's6-ls [ -0 ] [ -a | -A ] [ -x exclude ] dir';

export function main(argv: string[]): number {
  const parsed = getopt(argv, '0aAx:', USAGE, {});
  let terminator = '\n';
  let dots: 'none' | 'hidden' | 'all' = 'none';
  let exclude: string | undefined;
  for (const [flag, value] of parsed.options) {
    if (flag === '0') terminator = '\0';
    else if (flag === 'a') dots = 'hidden';
    else if (flag === 'A') dots = 'all';
    else exclude = value;
  }
  const dir = parsed.operands[0];
  if (dir === undefined) throw new UsageError(`usage: ${USAGE}`);
  let names: string[];
  try {
    names = readdirInOrder(dir);
  } catch (err) {
    throw new SystemError(`unable to open directory ${dir}: ${reason(err)}`);
  }
  if (dots === 'all') names.unshift('.', '..');
  const shown = names.filter((n) => n !== exclude && (dots !== 'none' || !n.startsWith('.')));
  writeOut(shown.map((n) => n + terminator).join(''));
  return 0;
}

/** readdir's order, as s6-ls prints it (fs.readdirSync sorts; fs.Dir reads the directory as it is laid out). */
function readdirInOrder(dir: string): string[] {
  const handle = fs.opendirSync(dir);
  const names: string[] = [];
  try {
    for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) names.push(entry.name);
  } finally {
    handle.closeSync();
  }
  return names;
}
