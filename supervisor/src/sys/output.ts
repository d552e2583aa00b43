/**
 * A short-lived applet's output, written straight to its descriptor. Touching process.stdout makes Node build a
 * stream for it (stream, net for a pipe, tty for a terminal: ~2 ms of modules at every `svstat`); a few lines written
 * with write(2) need none of that. A non-blocking descriptor that is full falls back to the stream, which waits for
 * it; a closed reader (EPIPE) ends the output quietly, as for any tool whose reader went away.
 */
import * as fs from 'node:fs';

function writeAll(fd: 1 | 2, text: string): void {
  const bytes = Buffer.from(text);
  let at = 0;
  try {
    while (at < bytes.length) at += fs.writeSync(fd, bytes, at, bytes.length - at);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return;
    (fd === 1 ? process.stdout : process.stderr).write(bytes.subarray(at));
  }
}

export function writeOut(text: string): void {
  writeAll(1, text);
}

export function writeErr(text: string): void {
  writeAll(2, text);
}
