/**
 * Scan directories of benchmark services. Each service's `run` is a symlink to the service probe (service.c), so the
 * exec being timed is the service's own, with no shell in between. event/ is created up front (mode 03730, as
 * s6-supervise makes it) so a listener can subscribe before the supervisor starts: boot is observed from its first
 * event.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type ServiceMode = 'ready' | 'crash' | 'exit';

export interface Scandir {
  dir: string;
  /** Absolute paths of the service directories, in index order. */
  services: string[];
}

let serial = 0;

export function makeScandir(scratch: string, count: number, options: { service: string; mode?: ServiceMode; notify?: boolean }): Scandir {
  const dir = path.join(scratch, `scan-${String(++serial).padStart(3, '0')}`);
  fs.mkdirSync(dir, { recursive: true });
  const services: string[] = [];
  for (let i = 0; i < count; i++) {
    const svc = path.join(dir, `svc${String(i).padStart(3, '0')}`);
    fs.mkdirSync(path.join(svc, 'data'), { recursive: true });
    fs.mkdirSync(path.join(svc, 'event'));
    fs.chmodSync(path.join(svc, 'event'), 0o3730);
    fs.symlinkSync(options.service, path.join(svc, 'run'));
    fs.writeFileSync(path.join(svc, 'data/mode'), `${options.mode ?? 'ready'}\n`);
    if (options.notify ?? true) fs.writeFileSync(path.join(svc, 'notification-fd'), '3\n');
    services.push(svc);
  }
  return { dir, services };
}

export interface Exec {
  /** PID inside the namespace. */
  pid: number;
  /** CLOCK_MONOTONIC ns at the exec, stamped by the service itself. */
  ns: bigint;
}

/** Every start of a service so far, from its data/execs (one "PID NS" line per start, written by service.c). */
export function execsOf(service: string): Exec[] {
  let text: string;
  try {
    text = fs.readFileSync(path.join(service, 'data/execs'), 'latin1');
  } catch {
    return [];
  }
  const execs: Exec[] = [];
  for (const line of text.split('\n')) {
    const [pid, ns] = line.split(' ');
    if (pid && ns) execs.push({ pid: Number(pid), ns: BigInt(ns) });
  }
  return execs;
}

export function lastExec(service: string): Exec | undefined {
  const all = execsOf(service);
  return all[all.length - 1];
}
