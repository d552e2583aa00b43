/**
 * What booting test/fixtures/overlay/app must show, wherever it boots (a PID namespace here, Podman there): the
 * stage-2 order s6-overlay documents, the container environment reaching with-contenv users only, both loggers, and
 * the reverse order at shutdown.
 */
import type { ExecutionContext } from 'ava';
import { lineIndex } from './harness';

/**
 * Shell that waits (20 s at most) until worker and the legacy logger have printed their lines (marker files in /run):
 * "up" only means they were started, and a CMD that exits at once stops them, maybe before their first line.
 */
export const UNTIL_SERVICES_SPOKE =
  'i=0; while { [ ! -e /run/worker-started ] || [ ! -e /run/legacy-logged ]; } && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done';
/** CMD for the app tree: once they spoke, prints its arguments and whether it sees the container environment, exits 3. */
export const APP_CMD = [
  'sh',
  '-c',
  `${UNTIL_SERVICES_SPOKE}; echo "CMD: $# args: $* (GREETING=\${GREETING:-unset})"; exit 3`,
  'sh',
  'one',
  'two words',
];

export function before(t: ExecutionContext, output: string, earlier: string, later: string): void {
  t.true(lineIndex(output, earlier) < lineIndex(output, later), `"${earlier}" should come before "${later}"\n${output}`);
}

/** Checks a whole boot-and-stop of the app tree (CMD = APP_CMD, NAME=world in the environment). */
export function checkAppBoot(t: ExecutionContext, output: string, who: { uid: number; rootWritable: boolean }): void {
  // Stage 2: cont-init.d in order; the container environment reaches with-contenv users only.
  t.regex(output, /cont-init 01-greeting: NAME=world\n/);
  t.regex(output, /cont-init 02-check: PATH=\/command:[^\n]* NAME=unset\n/);
  t.regex(output, new RegExp(`cont-init 02-check: uid=${who.uid} root=${who.rootWritable ? 'writable' : 'read-only'}\\n`));
  before(t, output, 'cont-init 01-greeting', 'cont-init 02-check');
  // A variable a cont-init script wrote into /run/s6/container_environment reaches later services.
  t.regex(output, /oneshot prepare: GREETING=hello world\n/);
  t.regex(output, /web: serving, GREETING=hello world\n/);
  // Dependencies: base (cont-init) → prepare → web (ready) → worker; user → services.d → user2 → CMD.
  before(t, output, 'cont-init 02-check', 'oneshot prepare: GREETING');
  before(t, output, 'oneshot prepare: GREETING', 'web: serving');
  before(t, output, 'service web successfully started', 'worker: started');
  before(t, output, 'web-log: started', 'web: serving'); // the logger is up before its producer
  // services.d: started once everything in `user` is up; without S6_CMD_WAIT_FOR_SERVICES nothing waits for them
  // to be running, so user2 and CMD may come first (as under s6-overlay): only the hand-over is ordered.
  before(t, output, 'service worker successfully started', 'copying legacy longrun legacy');
  before(t, output, 'copying legacy longrun legacy', 'oneshot late: up (user2)');
  t.regex(output, /legacy: up\n/);
  before(t, output, 'oneshot late: up (user2)', 'CMD: 2 args');
  // CMD: its arguments intact, the minimal environment (no with-contenv).
  t.regex(output, /CMD: 2 args: one two words \(GREETING=unset\)\n/);
  // The services.d log/ logger got the service's stdout.
  t.regex(output, /legacy-log: legacy to its logger\n/);
  // Stage 3, in reverse: user2, services.d, user (worker before web before prepare), then cont-finish.d.
  before(t, output, 'CMD: 2 args', 'oneshot late: down');
  before(t, output, 'oneshot late: down', 'legacy-services: bringing all services down');
  before(t, output, 'legacy-services: done', 'worker: finished (256 15)');
  before(t, output, 'worker: finished', 'web: stopping');
  before(t, output, 'web: stopping', 'oneshot prepare: down');
  before(t, output, 'oneshot prepare: down', 'cont-finish 01-bye');
}
