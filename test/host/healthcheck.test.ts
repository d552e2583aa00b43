/**
 * bin/run gives the container a health check (`nuwa health`, for an image without a HEALTHCHECK of its own), so
 * `podman healthcheck run` answers from the container's supervision tree: healthy while its service runs, unhealthy
 * once it crash-loops. The image is a minimal nuwa image (no layer chain): PID 1 supervises /etc/service and serves
 * its readiness endpoint on the app's port, which bin/run waits for as the image's nuwa.health URL.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONTAINERS_CONF, podman, requireCommand, waitFor } from '../helpers';
import { freePort } from '../helpers/http';
import { importRootfs, makeRootfs, TOOLS } from '../helpers/minimal-image';
import { appFolder, bash, cleanup, nuwaSnapshot, sandboxHost, scratchDir } from './host-helpers';

const NAME = 'nuwa-w16-hc';
const IMAGE = `localhost/${NAME}:latest`;

function healthcheck(): { code: number | null; out: string } {
  const r = spawnSync('podman', ['healthcheck', 'run', NAME], { env: { ...process.env, CONTAINERS_CONF }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

test.after.always(() => {
  spawnSync('podman', ['rm', '-f', '-t', '0', NAME], { env: { ...process.env, CONTAINERS_CONF } });
  spawnSync('podman', ['rmi', '-f', IMAGE], { env: { ...process.env, CONTAINERS_CONF } });
  cleanup();
});

test('bin/run: podman healthcheck run is nuwa health in the container (healthy, then unhealthy in a crash loop)', async (t) => {
  requireCommand('podman');
  requireCommand('curl');
  const root = makeRootfs(TOOLS, { [nuwaSnapshot()]: '/init' });
  fs.symlinkSync('/init', path.join(root, 'bin/nuwa'));
  fs.mkdirSync(path.join(root, 'etc/service/web'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/service/web/run'), '#!/bin/sh\n[ -e /tmp/crash ] && exit 1\nexec sleep 1000\n', { mode: 0o755 });
  importRootfs(root, IMAGE, [
    'ENTRYPOINT ["/init"]',
    'ENV PATH=/usr/bin:/bin',
    'ENV NUWA_SCANDIR=/etc/service',
    'ENV NUWA_HEALTH_ADDRESS=0.0.0.0:8080',
    'LABEL nuwa.port=8080',
    'LABEL nuwa.health=/readyz',
  ]);
  const host = sandboxHost();
  const dir = appFolder(scratchDir('nuwa-w16-srv-'), NAME, `NUWA_IMAGE=${IMAGE}\nNUWA_PORT=${await freePort()}\n`);

  const run = bash('bin/run', dir, host.env);
  t.is(run.code, 0, run.stderr);
  t.is(podman(['container', 'inspect', '-f', '{{json .Config.Healthcheck.Test}}', NAME]).trim(), '["CMD","nuwa","health"]');
  const healthy = healthcheck();
  t.is(healthy.code, 0, healthy.out);

  podman(['exec', NAME, 'sh', '-c', 'echo > /tmp/crash && nuwa svc -k web']);
  const unhealthy = await waitFor('podman healthcheck run to say unhealthy', () => {
    const r = healthcheck();
    return r.code === 1 ? r : undefined;
  });
  t.regex(unhealthy.out, /^unhealthy$/m);
  // podman ps says unhealthy after 3 failed checks in a row (the default retries).
  await waitFor('podman ps to report it unhealthy', () => {
    healthcheck();
    return /\(unhealthy\)/.test(podman(['ps', '--filter', `name=^${NAME}$`, '--format', '{{.Status}}']));
  });

  podman(['stop', '-t', '10', NAME]);
  const kill = bash('bin/kill', dir, host.env);
  t.is(kill.code, 0, kill.stderr);
});
