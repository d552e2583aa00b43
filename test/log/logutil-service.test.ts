/** logutil-service, s6-overlay's ready-made logger, as a real log/run would call it. */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, tempDir } from '../helpers';

test('logutil-service: S6_LOGGING_SCRIPT into the logdir, as nobody', (t) => {
  const cwd = tempDir('nuwa-t-log-util-');
  fs.chmodSync(cwd, 0o777);
  const dir = path.join(cwd, 'logs');
  const r = spawnSync(nuwaBinary(), ['logutil-service', dir], {
    input: 'one\ntwo\n',
    env: { PATH: process.env.PATH, S6_LOGGING_SCRIPT: 'n2 s4096 t' },
    encoding: 'utf8',
  });
  t.is(r.status, 0, r.stderr);
  t.regex(fs.readFileSync(path.join(dir, 'current'), 'utf8'), /^@4[0-9a-f]{23} one\n@4[0-9a-f]{23} two\n$/);
  t.is(fs.statSync(path.join(dir, 'current')).uid, 65534, 'written by nobody');
});
