/**
 * An s6-overlay v3 tree written the way its README and users write them (test/fixtures/overlay/app), booted with
 * nuwa as PID 1 of a PID namespace: cont-init.d scripts that set the container environment, a oneshot and longruns
 * with dependencies, a longrun with readiness notification and a logger (s6-rc pipeline), a legacy services.d
 * service with a log/ logger, a user2 oneshot after the legacy services, CMD with arguments. As root and as a
 * non-root user, with a writable and a read-only root: the same services run in the same order, and the container
 * exits with CMD's code, as s6-overlay documents.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { boot, lineIndex, makeRoot, type BootOptions } from './harness';

const CMD = ['sh', '-c', 'echo "CMD: $# args: $* (GREETING=${GREETING:-unset})"; exit 3', 'sh', 'one', 'two words'];

/** `earlier` appears before `later` in the output. */
function before(t: { true(v: boolean, m?: string): void }, output: string, earlier: string, later: string): void {
  t.true(lineIndex(output, earlier) < lineIndex(output, later), `"${earlier}" should come before "${later}"`);
}

const variants: [string, BootOptions][] = [
  ['as root', {}],
  ['as root, read-only root', { readOnly: true }],
  ['as uid 1000', { user: true }],
  ['as uid 1000, read-only root', { user: true, readOnly: true }],
];

for (const [name, options] of variants) {
  test(`${name}: services start in dependency order, CMD gets its arguments, stop runs in reverse, exit = CMD's code`, async (t) => {
    const root = makeRoot('app');
    const booted = boot(root, CMD, { ...options, env: { NAME: 'world' } });
    const { code, output } = await booted.finished;
    t.is(code, 3, output);

    // Stage 2: cont-init.d in order; the container environment reaches with-contenv users only.
    t.regex(output, /cont-init 01-greeting: NAME=world\n/);
    t.regex(output, /cont-init 02-check: PATH=\/command:\/usr\/local\/sbin:[^\n]* NAME=unset\n/);
    before(t, output, 'cont-init 01-greeting', 'cont-init 02-check');
    t.regex(output, new RegExp(`cont-init 02-check: uid=${options.user ? 1000 : 0} root=${options.readOnly || options.user ? 'read-only' : 'writable'}\n`));
    // A variable a cont-init script wrote into /run/s6/container_environment reaches later services.
    t.regex(output, /oneshot prepare: GREETING=hello world\n/);
    t.regex(output, /web: serving, GREETING=hello world\n/);
    // Dependencies: base (cont-init) → prepare → web (ready) → worker; user → services.d → user2 → CMD.
    before(t, output, 'cont-init 02-check', 'oneshot prepare: GREETING');
    before(t, output, 'oneshot prepare: GREETING', 'web: serving');
    before(t, output, 'service web successfully started', 'worker: started');
    before(t, output, 'web-log: started', 'web: serving'); // the logger is up before its producer
    before(t, output, 'worker: started', 'legacy: up');
    before(t, output, 'legacy: up', 'oneshot late: up (user2)');
    before(t, output, 'oneshot late: up (user2)', 'CMD: 2 args');
    // CMD: its arguments intact, the minimal environment (no with-contenv).
    t.regex(output, /CMD: 2 args: one two words \(GREETING=unset\)\n/);
    // Loggers: the s6-rc pipeline into s6-log, the services.d log/ logger.
    t.regex(fs.readFileSync(path.join(booted.run, 'web-log/current'), 'utf8'), /^web access line 1$/m);
    t.regex(output, /legacy-log: legacy to its logger\n/);

    // Stage 3, in reverse: user2, services.d, user (worker before web before prepare), then cont-finish.d.
    before(t, output, 'CMD: 2 args', 'oneshot late: down');
    before(t, output, 'oneshot late: down', 'legacy-services: bringing all services down');
    before(t, output, 'legacy-services: done', 'worker: finished (256 15)');
    before(t, output, 'worker: finished', 'web: stopping');
    before(t, output, 'web: stopping', 'oneshot prepare: down');
    before(t, output, 'oneshot prepare: down', 'cont-finish 01-bye');
    t.notRegex(output, /error|fatal|warning/, output);
  });
}
