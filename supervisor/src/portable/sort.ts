/**
 * `s6-sort [-bcfru0]` (s6-portable-utils): sorts stdin's lines by bytes. -b ignores leading blanks, -f folds case,
 * -r reverses, -u keeps one of equal lines, -0 reads and writes NUL-terminated records, -c only checks the order
 * (exit 1 if unsorted, printing nothing).
 */
import * as fs from 'node:fs';
import { getopt } from '../cli/getopt';
import { writeAll } from './cat';

const USAGE = 's6-sort [ -bcfru0 ]';

interface Settings {
  blanks: boolean;
  fold: boolean;
  reverse: boolean;
  unique: boolean;
  check: boolean;
  separator: number;
}

function settingsOf(argv: string[]): Settings {
  const s: Settings = { blanks: false, fold: false, reverse: false, unique: false, check: false, separator: 0x0a };
  for (const [flag] of getopt(argv, 'bcfru0', USAGE, {}).options) {
    if (flag === 'b') s.blanks = true;
    else if (flag === 'c') s.check = true;
    else if (flag === 'f') s.fold = true;
    else if (flag === 'r') s.reverse = true;
    else if (flag === 'u') s.unique = true;
    else s.separator = 0;
  }
  return s;
}

/** The records of `input`, each with its terminator (the last one gets one if it had none, as s6-sort writes it). */
function records(input: Buffer, separator: number): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  while (start < input.length) {
    const end = input.indexOf(separator, start);
    if (end === -1) {
      out.push(Buffer.concat([input.subarray(start), Buffer.from([separator])]));
      break;
    }
    out.push(input.subarray(start, end + 1));
    start = end + 1;
  }
  return out;
}

function comparator(s: Settings): (a: Buffer, b: Buffer) => number {
  const key = (r: Buffer): Buffer => {
    let k = r.subarray(0, r.length - 1); // without its terminator: "a" sorts before "a\tb"
    if (s.blanks) {
      const first = k.findIndex((c) => c !== 0x20 && c !== 0x09);
      k = k.subarray(first === -1 ? k.length : first);
    }
    return s.fold ? Buffer.from(k.toString('latin1').toLowerCase(), 'latin1') : k;
  };
  return (a, b) => (s.reverse ? -1 : 1) * Buffer.compare(key(a), key(b));
}

export function main(argv: string[]): number {
  const s = settingsOf(argv);
  const list = records(fs.readFileSync(0), s.separator);
  const compare = comparator(s);
  if (s.check) return list.every((r, i) => i === 0 || compare(list[i - 1] as Buffer, r) <= 0) ? 0 : 1;
  list.sort(compare);
  const kept = s.unique ? list.filter((r, i) => i === 0 || compare(list[i - 1] as Buffer, r) !== 0) : list;
  writeAll(1, Buffer.concat(kept));
  return 0;
}
