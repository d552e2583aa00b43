/**
 * `s6-ps [-H] [-w spacing] [-W wchanfile] [-l | -o field,field...]` (s6-linux-utils): a header line, then one line
 * per process in /proc, by pid or (-H) as a tree. Numeric fields are right-aligned, the others left-aligned, columns
 * at least `spacing` (1 to 256, default 2) apart. -W is accepted and unused: the kernel names the wait channel itself
 * in /proc/PID/wchan, so no System.map is needed.
 */
import { writeOut } from '../sys/output';
import { UsageError } from '../cli/errors';
import { getopt, scanUint } from '../cli/getopt';
import { namesById } from '../sys/accounts';
import { FIELDS, bootTimeMs, type Field, type PsContext } from './ps-fields';
import { scanProc, treeOrder, type ProcInfo } from './ps-scan';

const USAGE = 's6-ps [ -H ] [ -w spacing ] [ -W wchanfile ] [ -l | -o field,field... ]';
const DEFAULT = ['user', 'pid', 'tty', 's', 'start', 'args'];
const LONG = ['user', 'pid', 'cpcpu', 'pmem', 'vsize', 'rss', 'tty', 's', 'start', 'cttime', 'args'];

/** -o's list: known names, none twice, none empty. */
export function parseFieldList(list: string): string[] {
  const names = list.split(',');
  names.forEach((name, i) => {
    if (name === '') throw new UsageError('invalid (empty) field for -o option');
    if (!Object.hasOwn(FIELDS, name)) throw new UsageError(`invalid field for -o option: ${name}`);
    if (names.indexOf(name) !== i) throw new UsageError(`duplicate field for -o option: ${name}`);
  });
  return names;
}

/** Lays the cells out: each column as wide as its widest cell; the last column is never padded. */
export function layout(fields: Field[], rows: string[][], spacing: number): string {
  const widths = fields.map((f, j) => Math.max(f.header.length, ...rows.map((r) => (r[j] as string).length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, j) => {
        const pad = ' '.repeat((widths[j] as number) - cell.length);
        if ((fields[j] as Field).right) return pad + cell;
        return j === cells.length - 1 ? cell : cell + pad;
      })
      .join(' '.repeat(spacing)) + '\n';
  return [fields.map((f) => f.header), ...rows].map(line).join('');
}

export function main(argv: string[]): number {
  const parsed = getopt(argv, 'Hlw:W:o:', USAGE, {});
  let tree = false;
  let spacing = 2;
  let names = DEFAULT;
  for (const [flag, value] of parsed.options) {
    if (flag === 'H') tree = true;
    else if (flag === 'l') names = LONG;
    else if (flag === 'o') names = parseFieldList(value as string);
    else if (flag === 'w') {
      const n = scanUint(value as string);
      if (n === undefined) throw new UsageError(`usage: ${USAGE}`);
      spacing = Math.min(Math.max(n, 1), 256);
    }
  }
  const wanted = new Set(names);
  const scanned = scanProc({ args: wanted.has('args'), env: wanted.has('env'), wchan: wanted.has('wchan') });
  const procs: ProcInfo[] = tree ? treeOrder(scanned) : scanned;
  const context: PsContext = {
    bootMs: bootTimeMs(),
    nowMs: Date.now(),
    users: wanted.has('user') ? namesById('/etc/passwd') : new Map(),
    groups: wanted.has('group') ? namesById('/etc/group') : new Map(),
  };
  const fields = names.map((n) => FIELDS[n] as Field);
  writeOut(
    layout(
      fields,
      procs.map((p) => fields.map((f) => f.show(p, context))),
      spacing,
    ),
  );
  return 0;
}
