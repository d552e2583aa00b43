/**
 * A script that stops the container the s6 way: `s6-svscanctl -t` on the scan dir ends the container under
 * s6-overlay v3 too (its supervisors stop, but stage 3 is skipped: test/overlay-diff/legacy.test.ts), and v2's path
 * for it, /var/run/s6/services, which many images' finish scripts still name, does the same under nuwa (s6-overlay v3
 * dropped the path: there the script fails and the container runs on). nuwa runs stage 3 as after a halt (what the
 * v2 habit meant): services.d's finish, then cont-finish.d (docs/s6-overlay.md).
 */
import test from 'ava';
import { boot, makeRoot } from './harness';

for (const scandir of ['/run/service', '/var/run/s6/services']) {
  test(`s6-svscanctl -t ${scandir} from a service stops the container through stage 3`, async (t) => {
    const root = makeRoot(undefined, {
      'etc/services.d/stopper/run': {
        // The stop it asks for may reach this script before its echo, or after: its trap notes SIGTERM whenever it
        // comes (ignoring it instead, as this script once did, lost it when it came early, and the service that
        // outlives its down signal then held the container up for ever, as it would under s6)
        content:
          `#!/bin/sh\necho stopper up\ncaught=\ntrap 'caught=1' TERM\n` +
          `s6-svscanctl -t ${scandir} && echo "told the scanner"\nwhile [ -z "$caught" ]; do sleep 0.1; done\n`,
        mode: 0o755,
      },
      'etc/cont-finish.d/bye': { content: '#!/bin/sh\necho "cont-finish ran"\n', mode: 0o755 },
    });
    const { code, output } = await boot(root, []).finished;
    t.is(code, 0, output);
    t.regex(output, /told the scanner\n/);
    t.regex(output, /s6-svscanctl -t\): halting/);
    t.regex(output, /cont-finish ran\n/);
  });
}

test('/var/run/s6/etc is /etc for v2 scripts that read their cont-init.d there', async (t) => {
  const root = makeRoot(undefined, {
    'etc/cont-init.d/list': { content: '#!/bin/sh\nls /var/run/s6/etc/cont-init.d\n', mode: 0o755 },
  });
  const { code, output } = await boot(root, ['true']).finished;
  t.is(code, 0, output);
  t.regex(output, /^list$/m);
});
