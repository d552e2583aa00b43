/**
 * `nuwa health` inside a container booted from an s6-overlay tree: healthy once the tree is up and CMD runs; the
 * boot's own state (/run/s6/nuwa-boot-state) counts, so a tree whose boot failed is unhealthy even though every
 * service left is up.
 */
import test from 'ava';
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
