/**
 * What "healthy" means, in one place: `nuwa health` prints it and PID 1's readiness endpoint (init/health-endpoint.ts)
 * serves it. Both read the supervision tree's own files (wire/), never talk to a supervisor over something that could
 * hang. Healthy when every service that is wanted up is up, every one with notification-fd is ready, and an s6-overlay
 * boot (when there is one) has brought its tree up and is not stopping. Live when the scanner listens on its control
 * FIFO: what a liveness probe asks, which must not depend on the app.
 */
import { reason } from '../cli/errors';
import { controlPath, SCANNER_DIR, writeControl } from '../wire/control';
import { readBootProgress } from '../wire/boot-progress';
import { isSupervised } from '../wire/lock';
import { readUint } from '../wire/servicedir';
import { isUp, readStatus } from '../wire/status';
import { listServices } from './service-dir';

export interface ServiceHealth {
  service: string;
  /** up, ready, down, finishing, unsupervised. */
  state: string;
  wantedUp: boolean;
  /** Why it counts against the container's health; absent when it does not. */
  against?: string;
}

export interface HealthReport {
  healthy: boolean;
  /** The s6-overlay boot's progress (wire/boot-progress.ts), null when the container was not booted from a tree. */
  boot: string | null;
  services: ServiceHealth[];
  /** Every reason it is not healthy, one per line of the plain answer. */
  against: string[];
}

export interface Liveness {
  live: boolean;
  why: string;
}

/**
 * Whether a supervisor runs a service dir. From another process: its supervise/lock is held. PID 1 must answer
 * itself: a POSIX record lock is invisible to the process holding it, and opening then closing the lock file there
 * would even drop it (wire/lock.ts).
 */
export type Supervises = (dir: string) => boolean;

function serviceHealth(name: string, dir: string, supervises: Supervises): ServiceHealth {
  if (!supervises(dir)) return { service: name, state: 'unsupervised', wantedUp: true, against: 'no supervisor runs it' };
  const status = readStatus(dir);
  const up = isUp(status);
  const notifies = readUint(dir, 'notification-fd').kind === 'value';
  const state = up ? (status.ready && notifies ? 'ready' : 'up') : status.finishing ? 'finishing' : 'down';
  const health: ServiceHealth = { service: name, state, wantedUp: status.wantUp };
  if (status.wantUp && !up) health.against = status.finishing ? 'wanted up, its finish script is running' : 'wanted up, not running';
  else if (status.wantUp && notifies && !status.ready) health.against = 'up, not ready yet (notification-fd)';
  return health;
}

/** The tree's health. Throws when the scan dir cannot be read. `extra` reasons (PID 1 stopping) count against too. */
export function assessHealth(scandir: string, supervises: Supervises = isSupervised, extra: readonly string[] = []): HealthReport {
  const services = listServices(scandir).map(({ name, dir }) => serviceHealth(name, dir, supervises));
  const boot = readBootProgress();
  const bootAgainst = boot === undefined || boot === 'up' ? [] : [`the s6-overlay boot is ${boot}`];
  const against = [...extra, ...bootAgainst, ...services.filter((s) => s.against).map((s) => `${s.service}: ${s.against}`)];
  return { healthy: against.length === 0, boot: boot ?? null, services, against };
}

/** `--json`'s answer, and the readiness endpoint's body. */
export function healthJson(report: HealthReport): string {
  return JSON.stringify({ healthy: report.healthy, boot: report.boot, services: report.services });
}

/** The plain answer, one line. */
export function healthLine(report: HealthReport): string {
  return report.healthy ? `healthy: ${report.services.length} service(s)` : `unhealthy: ${report.against.join('; ')}`;
}

/** Whether the scanner of `scandir` listens: a write of no letters to its control FIFO finds a reader. */
export function assessLive(scandir: string): Liveness {
  let outcome: string;
  try {
    outcome = writeControl(controlPath(scandir, SCANNER_DIR), '');
  } catch (err) {
    outcome = reason(err);
  }
  const live = outcome === 'sent';
  return { live, why: live ? 'the scanner is listening' : `no scanner listens on ${scandir} (${outcome})` };
}
