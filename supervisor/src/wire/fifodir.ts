/**
 * The event/ fifodir (skalibs ftrig): each listener owns a FIFO named `ftrig1:@<24 hex>:<6 chars>` (39 chars) in the
 * directory; the supervisor writes each event's letters to every such FIFO, non-blocking. A FIFO nobody reads (ENXIO)
 * or whose reader left (EPIPE) belongs to a dead listener and is removed.
 *
 * Event letters: s supervisor started · x supervisor exiting · u run spawned · U ready · d run died, finish spawned ·
 * dD run died, no finish · D finish ended · OD finish exited 125 (permanent failure).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { native } from '../sys/native';
import { formatTain, now } from './tai64n';

const PREFIX = 'ftrig1:@';
const NAME_LENGTH = 39;

/** Creates the fifodir as s6-supervise does: mode 03730, group = our egid, so same-group tools may subscribe. */
export function makeFifodir(dir: string): void {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return; // an existing dir is left as it is
    throw err;
  }
  fs.chownSync(dir, -1, process.getegid?.() ?? 0);
  fs.chmodSync(dir, 0o3730);
}

/** Sends `letters` to every listener of `dir`. Never blocks, never throws: listeners are best-effort, as in s6. */
export function broadcast(dir: string, letters: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  const data = Buffer.from(letters, 'latin1');
  for (const name of names) {
    if (!name.startsWith(PREFIX) || name.length !== NAME_LENGTH) continue;
    const fifo = path.join(dir, name);
    let fd: number;
    try {
      fd = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENXIO') unlinkQuietly(fifo);
      continue;
    }
    try {
      fs.writeSync(fd, data);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EPIPE') unlinkQuietly(fifo);
      // EAGAIN: the listener's FIFO is full; like s6, that listener misses this event
    } finally {
      fs.closeSync(fd);
    }
  }
}

/** Removes FIFOs left by listeners that died (s6-supervise's ftrigw_clean at start). */
export function cleanFifodir(dir: string): void {
  broadcast(dir, '');
}

function unlinkQuietly(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // already gone
  }
}

export interface Listener {
  /** Called with each chunk of event letters, in order. */
  onEvents(handler: (letters: string) => void): void;
  close(): void;
}

export interface Subscription {
  /** The FIFO, open read+write and non-blocking: it never sees EOF, and reads never block. */
  fd: number;
  fifo: string;
}

/**
 * Subscribes to `dir` like skalibs' ftrig1_make: create `.ftrig1:@…` (0622), open it read+write (so it never sees
 * EOF), then rename it to its public name, so the supervisor never sees a FIFO that is not being read.
 */
export function subscribe(dir: string): Subscription {
  const suffix = randomBytes(6)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, 'x')
    .slice(0, 6);
  const name = `${PREFIX}${formatTain(now()).slice(1)}:${suffix}`;
  const hidden = path.join(dir, `.${name}`);
  const fifo = path.join(dir, name);
  native().mkfifo(hidden, 0o622);
  fs.chmodSync(hidden, 0o622);
  const fd = fs.openSync(hidden, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
  fs.renameSync(hidden, fifo);
  return { fd, fifo };
}

/** The letters pending on a subscription, without blocking ('' when none): for callers that poll. */
export function drain(sub: Subscription): string {
  const buf = Buffer.alloc(4096);
  let letters = '';
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(sub.fd, buf);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return letters;
      throw err;
    }
    letters += buf.subarray(0, n).toString('latin1');
  }
}

/** Ends a subscription that was polled with drain(). */
export function unsubscribe(sub: Subscription): void {
  fs.closeSync(sub.fd);
  unlinkQuietly(sub.fifo);
}

/** A subscription whose letters arrive as events on the event loop. */
export function listen(dir: string): Listener {
  const { fd, fifo } = subscribe(dir);
  const socket = new net.Socket({ fd, readable: true, writable: false });
  return {
    onEvents(handler) {
      socket.on('data', (chunk: Buffer) => handler(chunk.toString('latin1')));
    },
    close() {
      socket.destroy();
      unlinkQuietly(fifo);
    },
  };
}
