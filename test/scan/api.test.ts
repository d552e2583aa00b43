/**
 * The scanner as a library (scan/index.ts), in this process, as `nuwa init` and the s6-overlay boot use it: code
 * hooked onto it must not be able to stall supervision.
 */
import test from 'ava';
import * as path from 'node:path';
import { tempDir, waitFor } from '../helpers';
import { run, svstatFields, waitUp, writeService } from '../helpers/s6';
import { setSink } from '../../supervisor/src/sys/logger';
import { startScanner } from '../../supervisor/src/scan/index';

test('a service-state listener that throws costs nothing: the service still starts, restarts and stops', async (t) => {
  const logged: string[] = [];
  setSink((_level, component, message) => logged.push(`${component}: ${message}`));
  const scandir = tempDir('nuwa-api-');
  const dir = writeService(path.join(scandir, 'svc'), { run: 'exec sleep 1000' });
  const scanner = startScanner(scandir, { watch: false });
  let calls = 0;
  scanner.on('service-state', () => {
    calls++;
    throw new Error('a bug in a listener');
  });
  let stopped = false;
  try {
    await waitUp(dir, true);
    const first = svstatFields(dir, ['pid'])['pid'];
    t.is(run('s6-svc', ['-k', dir]).status, 0);
    await waitFor('a new instance', () => {
      const now = svstatFields(dir, ['up', 'pid']);
      return now['up'] === 'true' && now['pid'] !== first;
    });
    t.is(await within(scanner.stop('terminate'), 20_000), 'done');
    stopped = true;
    t.true(calls >= 3, `listener called ${calls} times`);
    t.true(
      logged.some((line) => /svc: internal error during announce, survived: Error: a bug in a listener/.test(line)),
      logged.join('\n'),
    );
  } finally {
    if (!stopped) await within(scanner.stop('quit'), 20_000);
  }
});

/** 'done' when `promise` settles within `ms`, else 'stuck' (a supervisor that never exits must fail, not hang). */
function within(promise: Promise<unknown>, ms: number): Promise<'done' | 'stuck'> {
  const deadline = new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), ms).unref());
  return Promise.race([promise.then(() => 'done' as const), deadline]);
}
