/**
 * Stopping the container from inside, s6-overlay's way: `/run/s6/basedir/bin/halt` (also `poweroff`, `reboot`),
 * typically from a service's finish script after it wrote /run/s6-linux-init-container-results/exitcode.
 * nuwa init listens on a FIFO; the applets write one letter to it: h (halt), p (poweroff), r (reboot).
 *
 * What each means for the container's exit status, as with s6-linux-init in a container: halt exits with the code in
 * the exitcode file (0 unless something wrote there); reboot and poweroff make PID 1 end as if killed by SIGHUP
 * (129) and SIGINT (130) respectively, which is what the kernel does to a PID-namespace init that calls reboot(2).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { native } from '../sys/native';
import { sendControl, NotSupervisedError } from '../wire/control';
import { BASEDIR_BIN, INIT_CONTROL } from './paths';
import { selfCommand } from '../sys/self';

export type HaltKind = 'halt' | 'poweroff' | 'reboot';
const LETTER: Record<HaltKind, string> = { halt: 'h', poweroff: 'p', reboot: 'r' };
const KIND: Record<string, HaltKind> = { h: 'halt', p: 'poweroff', r: 'reboot' };

/** Listens for halt requests; returns a function that stops listening. */
export function listenForHalt(onHalt: (kind: HaltKind) => void, fifo = INIT_CONTROL): () => void {
  fs.rmSync(fifo, { force: true });
  native().mkfifo(fifo, 0o600);
  // Open read+write so that the reader never sees EOF when a writer leaves (as s6-supervise does with its control).
  const fd = fs.openSync(fifo, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
  const socket = new net.Socket({ fd, readable: true, writable: false });
  socket.on('data', (chunk: Buffer) => {
    for (const c of chunk.toString('latin1')) {
      const kind = KIND[c];
      if (kind) onHalt(kind);
    }
  });
  socket.on('error', () => undefined);
  socket.unref(); // waiting for a halt must not by itself keep a finished init alive
  return () => socket.destroy();
}

/** Installs /run/s6/basedir/bin/{halt,poweroff,reboot}: symlinks to nuwa (or small scripts when run under node). */
export function installHaltCommands(dir = BASEDIR_BIN): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const self = selfCommand();
  for (const kind of Object.keys(LETTER) as HaltKind[]) {
    const file = path.join(dir, kind);
    fs.rmSync(file, { force: true });
    if (self.prefix.length === 0)
      fs.symlinkSync(self.file, file); // called as `halt`, the executable runs that applet
    else
      fs.writeFileSync(file, `#!/bin/sh\nexec ${[self.file, ...self.prefix, kind].map((a) => `'${a}'`).join(' ')} "$@"\n`, { mode: 0o755 });
  }
}

/** The `halt` / `poweroff` / `reboot` applets. */
export function requestHalt(kind: HaltKind, fifo = INIT_CONTROL): number {
  try {
    sendControl(path.dirname(fifo), LETTER[kind], fifo);
    return 0;
  } catch (err) {
    const why = err instanceof NotSupervisedError ? 'nuwa init is not running (no listener on its control FIFO)' : (err as Error).message;
    process.stderr.write(`${kind}: ${why}\n`);
    return 111;
  }
}
