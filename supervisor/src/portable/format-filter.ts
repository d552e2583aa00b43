/**
 * `s6-format-filter FORMAT [ARGS…]` (s6-portable-utils): prints FORMAT for every line of stdin, with `%s` the line,
 * `%0` the program's name, `%1`…`%9` the ARGS and `%%` a `%`; each output keeps its line's terminator. A `%`
 * sequence naming anything else (or an ARG not given) is refused before anything is read, as s6's format compiler does.
 */
import * as path from 'node:path';
import { SystemError, UsageError } from '../cli/errors';
import { getopt } from '../cli/getopt';
import { LineSplitter } from '../sys/lines';
import { readChunks, writeAll } from './cat';

const USAGE = 's6-format-filter format [ args... ]';

/** FORMAT as pieces: literal text, or 'line' where the input line goes. */
export function compileFormat(format: string, name: string, args: readonly string[]): Array<string | null> {
  const pieces: Array<string | null> = [];
  let text = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i] as string;
    if (c !== '%') {
      text += c;
      continue;
    }
    const next = format[++i];
    if (next === '%') text += '%';
    else if (next === 's') {
      pieces.push(text, null);
      text = '';
    } else if (next !== undefined && /[0-9]/.test(next) && Number(next) <= args.length) {
      text += next === '0' ? name : args[Number(next) - 1];
    } else throw new SystemError('unable to compile format: Invalid argument');
  }
  pieces.push(text);
  return pieces;
}

export function main(argv: string[]): number {
  const [format, ...args] = getopt(argv, '', USAGE, {}).operands;
  if (format === undefined) throw new UsageError(`usage: ${USAGE}`);
  // %0 is the name it was called by, as the original's argv[0]
  const called = process.argv[1] ?? '';
  const pieces = compileFormat(format, path.basename(called) === 's6-format-filter' ? called : 's6-format-filter', args);
  const print = (line: Buffer, terminator: string) =>
    writeAll(1, Buffer.concat([...pieces.map((p) => (p === null ? line : Buffer.from(p))), Buffer.from(terminator)]));
  // Line by line as they come: s6-format-filter sits in pipelines (log processors) that never end.
  const lines = new LineSplitter(0);
  readChunks(0, (chunk) => {
    for (const line of lines.push(chunk)) print(line, '\n');
  });
  const last = lines.end();
  if (last) print(last, '');
  return 0;
}
