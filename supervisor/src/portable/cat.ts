/** `s6-cat`: copies stdin to stdout, byte for byte, until EOF (s6-portable-utils; its arguments are ignored). */
import { writeOut } from '../sys/output';
import * as fs from 'node:fs';
import { SystemError, reason } from '../cli/errors';

const CHUNK = 65536;

export function main(argv: string[]): number {
  if (argv[0] === '--help') {
    writeOut('usage: s6-cat < input > output\n');
    return 0;
  }
  copyFd(0, 1);
  return 0;
}

/** Blocking copy of `from` to `to` until EOF: a filter has nothing else to do meanwhile. */
export function copyFd(from: number, to: number): void {
  readChunks(from, (chunk) => writeAll(to, chunk));
}

/** Calls `onChunk` with each read of `fd` until EOF (blocking reads; the buffer is reused between calls). */
export function readChunks(fd: number, onChunk: (chunk: Buffer) => void): void {
  const buf = Buffer.alloc(CHUNK);
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, CHUNK, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      if ((err as NodeJS.ErrnoException).code === 'EOF') return;
      throw new SystemError(`unable to read: ${reason(err)}`);
    }
    if (n === 0) return;
    onChunk(buf.subarray(0, n));
  }
}

/** Writes all of `data` to `fd`, whatever the pipe takes at a time. */
export function writeAll(fd: number, data: Buffer): void {
  let at = 0;
  while (at < data.length) {
    try {
      at += fs.writeSync(fd, data, at, data.length - at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      throw new SystemError(`unable to write: ${reason(err)}`);
    }
  }
}
