/**
 * `nuwa health` inside a container booted from an s6-overlay tree: healthy once the tree is up and CMD runs; the
 * boot's own state (/run/s6/nuwa-boot-state) counts, so a tree whose boot failed is unhealthy even though every
 * service left is up. PID 1's endpoint (NUWA_HEALTH_ADDRESS) answers the same during and after the boot.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitFor } from '../helpers';
import { freePort, httpGet } from '../helpers/http';
import { boot, makeRoot } from './harness';

const CMD = ['sh', '-c', 'ln -s /init /tmp/health && /tmp/health --json; echo "health exit $?"'];

test('healthy once the boot is up: services up, boot state up', async (t) => {
  const root = makeRoot(undefined, {
    'etc/services.d/web/run': { content: '#!/bin/sh\nexec sleep 1000\n', mode: 0o755 },
    'etc/s6-overlay/s6-rc.d/user/contents.d/db': { content: '' },
    'etc/s6-overlay/s6-rc.d/db/type': { content: 'longrun\n' },
    'etc/s6-overlay/s6-rc.d/db/run': { content: '#!/bin/sh\nexec sleep 1000\n', mode: 0o755 },
  });
  const { code, output } = await boot(root, CMD).finished;
  t.is(code, 0, output);
  t.regex(output, /"healthy":true,"boot":"up"/);
  t.regex(output, /health exit 0\n/);
});

test('a failed boot is unhealthy (S6_BEHAVIOUR_IF_STAGE2_FAILS=0 lets CMD run)', async (t) => {
  const root = makeRoot(undefined, {
    'etc/s6-overlay/s6-rc.d/user/contents.d/setup': { content: '' },
    'etc/s6-overlay/s6-rc.d/setup/type': { content: 'oneshot\n' },
    'etc/s6-overlay/s6-rc.d/setup/up': { content: '/bin/false\n' },
  });
  const { code, output } = await boot(root, CMD, { env: { S6_BEHAVIOUR_IF_STAGE2_FAILS: '0' } }).finished;
  t.is(code, 0, output);
  t.regex(output, /"healthy":false,"boot":"failed 1"/);
  t.regex(output, /health exit 1\n/);
});

test('the endpoint in an s6-overlay boot: /readyz 503 while the boot waits for a service, 200 once up; /livez', async (t) => {
  const root = makeRoot(undefined, {
    'etc/s6-overlay/s6-rc.d/user/contents.d/db': { content: '' },
    'etc/s6-overlay/s6-rc.d/db/type': { content: 'longrun\n' },
    'etc/s6-overlay/s6-rc.d/db/notification-fd': { content: '3\n' },
    'etc/s6-overlay/s6-rc.d/db/run': {
      content: '#!/bin/sh\nwhile [ ! -e /run/gate ]; do sleep 0.05; done\necho >&3\nexec sleep 1000\n',
      mode: 0o755,
    },
  });
  const port = await freePort();
  const booted = boot(root, [], { env: { NUWA_HEALTH_ADDRESS: `127.0.0.1:${port}` } });
  const booting = await waitFor('503 naming db while the boot waits', async () => {
    const { status, body } = await httpGet(port, '/readyz');
    return status === 503 && /"service":"db"/.test(body) ? body : undefined;
  });
  t.regex(booting, /"boot":"booting"/);
  t.regex(booting, /"against":"up, not ready yet \(notification-fd\)"/);
  t.is((await httpGet(port, '/livez')).status, 200);

  fs.writeFileSync(path.join(booted.run, 'gate'), '');
  const up = await waitFor('200 once the boot is up', async () => {
    const { status, body } = await httpGet(port, '/readyz');
    return status === 200 ? body : undefined;
  });
  t.regex(up, /"healthy":true,"boot":"up"/);
  process.kill(await booted.hostPid(), 'SIGTERM');
  const { code, output } = await booted.finished;
  t.is(code, 0, output);
});
