/**
 * `nuwa health [--json] [--live] [SCANDIR]`: one answer to "is this container healthy?", from the supervision tree's
 * own files (wire/), never by talking to PID 1 over something that could hang. Healthy when every service that is
 * wanted up is up, every one with notification-fd is ready, and an s6-overlay boot (when there is one) has brought
 * its tree up and is not stopping. `--live` asks only whether the scanner is alive (its control FIFO has a reader):
 * for liveness probes, which must not depend on the app. Exit 0 healthy, 1 not; usage errors 100, as s6's tools.
 */
import type { AppletMain } from '../cli/applet';
import { SystemError, UsageError, reason } from '../cli/errors';
import { getopt } from '../cli/getopt';
import { controlPath, SCANNER_DIR, writeControl } from '../wire/control';
import { readBootProgress } from '../wire/boot-progress';
import { isSupervised } from '../wire/lock';
import { readUint } from '../wire/servicedir';
import { isUp, readStatus } from '../wire/status';
import { listServices, scanDir } from './service-dir';
import { writeOut } from '../sys/output';

const USAGE = 'nuwa health [--json] [--live] [SCANDIR]';

export interface ServiceHealth {
  service: string;
  /** up, ready, down, finishing, unsupervised. */
  state: string;
  wantedUp: boolean;
  /** Why it counts against the container's health; absent when it does not. */
  against?: string;
}

function serviceHealth(name: string, dir: string): ServiceHealth {
  if (!isSupervised(dir)) return { service: name, state: 'unsupervised', wantedUp: true, against: 'no supervisor runs it' };
  const status = readStatus(dir);
  const up = isUp(status);
  const notifies = readUint(dir, 'notification-fd').kind === 'value';
  const state = up ? (status.ready && notifies ? 'ready' : 'up') : status.finishing ? 'finishing' : 'down';
  const health: ServiceHealth = { service: name, state, wantedUp: status.wantUp };
  if (status.wantUp && !up) health.against = status.finishing ? 'wanted up, its finish script is running' : 'wanted up, not running';
  else if (status.wantUp && notifies && !status.ready) health.against = 'up, not ready yet (notification-fd)';
  return health;
}

export const main: AppletMain = (argv) => {
  const { long, operands } = getopt(argv, '', USAGE, { longs: ['json', 'live'] });
  if (operands.length > 1) throw new UsageError(`too many arguments; usage: ${USAGE}`);
  const scandir = operands[0] ?? scanDir();
  if (long.has('live')) return live(scandir, long.has('json'));
  let services: ServiceHealth[];
  try {
    services = listServices(scandir).map(({ name, dir }) => serviceHealth(name, dir));
  } catch (err) {
    throw new SystemError(`unable to read scan dir ${scandir}: ${reason(err)}`);
  }
  const boot = readBootProgress();
  const bootAgainst = boot === undefined || boot === 'up' ? undefined : `the s6-overlay boot is ${boot}`;
  const against = [...(bootAgainst ? [bootAgainst] : []), ...services.filter((s) => s.against).map((s) => `${s.service}: ${s.against}`)];
  if (long.has('json')) {
    writeOut(`${JSON.stringify({ healthy: against.length === 0, boot: boot ?? null, services })}\n`);
  } else {
    writeOut(against.length === 0 ? `healthy: ${services.length} service(s)\n` : `unhealthy: ${against.join('; ')}\n`);
  }
  return against.length === 0 ? 0 : 1;
};

function live(scandir: string, json: boolean): number {
  let outcome: string;
  try {
    outcome = writeControl(controlPath(scandir, SCANNER_DIR), '');
  } catch (err) {
    outcome = reason(err);
  }
  const alive = outcome === 'sent';
  const why = alive ? 'the scanner is listening' : `no scanner listens on ${scandir} (${outcome})`;
  writeOut(json ? `${JSON.stringify({ live: alive, why })}\n` : `${alive ? 'live' : 'not live'}: ${why}\n`);
  return alive ? 0 : 1;
}
