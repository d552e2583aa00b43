/**
 * The reading side of a control FIFO (supervise/control, .s6-svscan/control), as s6 holds it: created 0600, opened
 * read+write and non-blocking so it never sees EOF and a writer never blocks, and read through libuv (a net.Socket on
 * the fd) — never with blocking fs reads, which would stall a thread-pool thread or the whole event loop.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { native } from '../sys/native';

export class NotAFifoError extends Error {
  constructor(readonly file: string) {
    super(`${file} exists and is not a FIFO`);
  }
}

export interface ControlFifo {
  close(): void;
}

/** Makes `file` a FIFO if needed and delivers every chunk written to it. */
export function openControlFifo(file: string, onData: (data: Buffer) => void): ControlFifo {
  try {
    native().mkfifo(file, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    if (!fs.lstatSync(file).isFIFO()) throw new NotAFifoError(file);
  }
  const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
  const socket = new net.Socket({ fd, readable: true, writable: false });
  socket.on('data', onData);
  socket.on('error', () => undefined); // a FIFO we hold both ends of has no error worth dying for
  return {
    close() {
      socket.destroy();
    },
  };
}
