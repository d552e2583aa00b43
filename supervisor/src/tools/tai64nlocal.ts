/**
 * `s6-tai64nlocal [-g]`: copies stdin to stdout, turning a TAI64N stamp at the start of a line (`@` + 24 hex digits)
 * into local time, `YYYY-MM-DD HH:MM:SS.NNNNNNNNN` (s6-log's `T` spelling). Other lines pass unchanged.
 */
import { getopt } from '../cli/getopt';
import { readChunks, writeAll } from '../portable/cat';
import { isoLocal } from '../log/stamp';
import { LineSplitter } from '../sys/lines';
import { parseTain } from '../wire/tai64n';

const USAGE = 's6-tai64nlocal [ -g ]';
const STAMP_LENGTH = 25;

function localized(line: Buffer): Buffer {
  const t = line.length >= STAMP_LENGTH ? parseTain(line.subarray(0, STAMP_LENGTH).toString('latin1')) : undefined;
  return t === undefined ? line : Buffer.concat([Buffer.from(isoLocal(t)), line.subarray(STAMP_LENGTH)]);
}

export function main(argv: string[]): number {
  getopt(argv, 'g', USAGE, {}); // -g (the stamps are GMT, not TAI): nuwa's stamps carry the fixed offset either way
  const lines = new LineSplitter(0);
  readChunks(0, (chunk) => {
    const out = lines.push(chunk).map((line) => Buffer.concat([localized(line), Buffer.from('\n')]));
    if (out.length > 0) writeAll(1, Buffer.concat(out));
  });
  const last = lines.end();
  if (last) writeAll(1, localized(last));
  return 0;
}
