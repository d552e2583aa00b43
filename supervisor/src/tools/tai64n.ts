/**
 * `s6-tai64n`: copies stdin to stdout, each line prefixed with the time it was read, as `@TAI64N ` (the stamp s6-log's
 * `t` writes). Lines go out as they come: it sits in pipelines that never end.
 */
import { getopt } from '../cli/getopt';
import { readChunks, writeAll } from '../portable/cat';
import { LineSplitter } from '../sys/lines';
import { formatTain, now } from '../wire/tai64n';

const USAGE = 's6-tai64n';

export function main(argv: string[]): number {
  getopt(argv, '', USAGE, {});
  const lines = new LineSplitter(0);
  readChunks(0, (chunk) => {
    const stamped = lines.push(chunk).map((line) => Buffer.concat([Buffer.from(`${formatTain(now())} `), line, Buffer.from('\n')]));
    if (stamped.length > 0) writeAll(1, Buffer.concat(stamped));
  });
  const last = lines.end();
  if (last) writeAll(1, Buffer.concat([Buffer.from(`${formatTain(now())} `), last]));
  return 0;
}
