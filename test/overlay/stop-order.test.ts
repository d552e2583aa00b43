/**
 * Legacy stop order (s6-overlay's services-down): /etc/cont-finish.d starts only once the finish scripts of the
 * /etc/services.d services and of their loggers are done (s6-overlay waits `s6-svwait -D` on them, bounded by
 * S6_SERVICES_GRACETIME). Slow finish scripts leave markers that cont-finish.d looks for.
 */
import test from 'ava';
import { boot, lineIndex, makeRoot } from './harness';

const slowFinish = (name: string) => ({
  content: `#!/bin/sh\nsleep 1\ntouch /tmp/finished-${name}\necho "${name} finished"\n`,
  mode: 0o755,
});
const sleeper = { content: '#!/bin/sh\nexec sleep 1000\n', mode: 0o755 };

test('cont-finish.d waits for the slow finish scripts of services.d services and their loggers', async (t) => {
  const root = makeRoot(undefined, {
    'etc/services.d/alpha/run': sleeper,
    'etc/services.d/alpha/finish': slowFinish('alpha'),
    'etc/services.d/beta/run': sleeper,
    'etc/services.d/beta/log/run': { content: '#!/bin/sh\nexec cat >/dev/null\n', mode: 0o755 },
    'etc/services.d/beta/log/finish': slowFinish('beta-log'),
    'etc/cont-finish.d/check': {
      content:
        '#!/bin/sh\nfor n in alpha beta-log; do [ -e /tmp/finished-$n ] && echo "marker $n: there" || echo "marker $n: MISSING"; done\n',
      mode: 0o755,
    },
  });
  const cmd = ['sh', '-c', 's6-svwait -u -t 20000 /run/service/alpha /run/service/beta /run/service/beta/log'];
  const { code, output } = await boot(root, cmd, { env: { S6_KILL_GRACETIME: '200' } }).finished;
  t.is(code, 0, output);
  t.regex(output, /^marker alpha: there$/m);
  t.regex(output, /^marker beta-log: there$/m);
  t.true(lineIndex(output, 'alpha finished') < lineIndex(output, 'running /etc/cont-finish.d/check'));
});

test('S6_SERVICES_GRACETIME bounds that wait: a finish script slower than it does not hold cont-finish.d back', async (t) => {
  const root = makeRoot(undefined, {
    'etc/services.d/slow/run': sleeper,
    'etc/services.d/slow/finish': { content: '#!/bin/sh\nsleep 30\n', mode: 0o755 },
    'etc/cont-finish.d/bye': { content: '#!/bin/sh\necho "cont-finish ran"\n', mode: 0o755 },
  });
  const cmd = ['sh', '-c', 's6-svwait -u -t 20000 /run/service/slow'];
  const { code, output } = await boot(root, cmd, { env: { S6_KILL_GRACETIME: '200', S6_SERVICES_GRACETIME: '300' } }).finished;
  t.is(code, 0, output);
  t.regex(output, /still running after S6_SERVICES_GRACETIME=300 ms/);
  t.regex(output, /^cont-finish ran$/m);
});
