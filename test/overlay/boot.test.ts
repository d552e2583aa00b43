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
import { APP_CMD, checkAppBoot } from './app-checks';
import { boot, makeRoot, type BootOptions } from './harness';

const variants: [string, BootOptions][] = [
  ['as root', {}],
  ['as root, read-only root', { readOnly: true }],
  ['as uid 1000', { user: true }],
  ['as uid 1000, read-only root', { user: true, readOnly: true }],
];

for (const [name, options] of variants) {
  test(`${name}: services start in dependency order, CMD gets its arguments, stop runs in reverse, exit = CMD's code`, async (t) => {
    const root = makeRoot('app');
    const booted = boot(root, APP_CMD, { ...options, env: { NAME: 'world' } });
    const { code, output } = await booted.finished;
    t.is(code, 3, output);
    checkAppBoot(t, output, { uid: options.user ? 1000 : 0, rootWritable: !options.readOnly && !options.user });
    // The s6-rc pipeline: web's stdout went through the FIFO into s6-log's logdir.
    t.regex(fs.readFileSync(path.join(booted.run, 'web-log/current'), 'utf8'), /^web access line 1$/m);
    t.notRegex(output, /error|fatal|warning/, output);
  });
}

test("with Debian's s6-svscan as the scanner (NUWA_SCANNER=s6): the same boot — nuwa drives s6's real supervisors", async (t) => {
  const booted = boot(makeRoot('app'), APP_CMD, { env: { NAME: 'world', NUWA_SCANNER: 's6' } });
  const { code, output } = await booted.finished;
  t.is(code, 3, output);
  checkAppBoot(t, output, { uid: 0, rootWritable: true });
  t.regex(fs.readFileSync(path.join(booted.run, 'web-log/current'), 'utf8'), /^web access line 1$/m);
  t.notRegex(output, /error|fatal|warning/, output);
});
