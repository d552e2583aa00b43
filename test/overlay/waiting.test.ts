/**
 * A boot stuck behind a service that keeps failing says so at S6_VERBOSITY=1 (the most common setting, where the
 * 10-second "still waiting" notices are not shown): once, as a warning, naming the service, how often its run died
 * while the boot waited, and how the last one ended.
 */
import test from 'ava';
import { waitFor } from '../helpers';
import { boot, makeRoot } from './harness';

test('S6_VERBOSITY=1: the boot names the service it waits for and why it is failing, once', async (t) => {
  const root = makeRoot(undefined, {
    'etc/s6-overlay/s6-rc.d/user/contents.d/db': { content: '' },
    'etc/s6-overlay/s6-rc.d/db/type': { content: 'longrun\n' },
    'etc/s6-overlay/s6-rc.d/db/notification-fd': { content: '3\n' },
    'etc/s6-overlay/s6-rc.d/db/run': { content: '#!/bin/sh\nexit 3\n', mode: 0o755 },
  });
  const booted = boot(root, ['echo', 'CMD ran'], { env: { S6_VERBOSITY: '1' } });
  const said = /still waiting for db to be ready \(\d+ s\): its run has died \d+ time\(s\) meanwhile \(the last: run exited 3\)/;
  await waitFor('the warning about db', () => said.test(booted.output()), { timeoutMs: 60_000 });
  process.kill(await booted.hostPid(), 'SIGTERM');
  const { output } = await booted.finished;
  t.is(output.match(new RegExp(said.source, 'g'))?.length, 1, output);
  t.regex(output, /warning: /);
  t.notRegex(output, /CMD ran/);
});
