/**
 * A bundle naming something undefined (a typo, a pipeline-name on the wrong member): one error line naming the one
 * file the user wrote — not each bundle that holds it through another (user, s6-overlay's built-in top), nor
 * legacy-services, which needs the user bundle — and everything else boots, /etc/services.d included.
 */
import test from 'ava';
import { boot, linesMatching, makeRoot } from './harness';

test('an undefined name in a user bundle: one line naming its contents.d entry; legacy-services and the rest still start', async (t) => {
  const root = makeRoot(undefined, {
    'etc/s6-overlay/s6-rc.d/app/type': { content: 'bundle\n' },
    'etc/s6-overlay/s6-rc.d/app/contents.d/web': { content: '' },
    'etc/s6-overlay/s6-rc.d/app/contents.d/ghost': { content: '' },
    'etc/s6-overlay/s6-rc.d/web/type': { content: 'longrun\n' },
    'etc/s6-overlay/s6-rc.d/web/run': { content: '#!/bin/sh\necho "web up"\nexec sleep 1000\n', mode: 0o755 },
    'etc/s6-overlay/s6-rc.d/user/contents.d/app': { content: '' },
    'etc/services.d/legacy/run': { content: '#!/bin/sh\necho "legacy up"\nexec sleep 1000\n', mode: 0o755 },
  });
  const cmd = ['sh', '-c', 's6-svwait -u -t 20000 /run/service/legacy && s6-svwait -u -t 20000 /run/service/web && echo both-up'];
  const { code, output } = await boot(root, cmd, { env: { S6_KILL_GRACETIME: '200' } }).finished;
  t.is(code, 0, output);
  t.deepEqual(linesMatching(output, /not defined|cannot start|will not start/), [
    "nuwa rc.init: error: /etc/s6-overlay/s6-rc.d/app/contents.d/ghost: bundle 'app' contains 'ghost', which is not defined anywhere",
  ]);
  t.notRegex(output, /built-in|legacy-services\/dependencies\.d/);
  t.regex(output, /^both-up$/m);
});
