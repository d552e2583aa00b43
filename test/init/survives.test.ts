/**
 * PID 1 never dies of its own fault: whatever is thrown anywhere in the process is logged and survived. The fault is
 * injected into the real process (`node -r fault.js dist/nuwa.cjs init …`, the same bundle as dist/nuwa), since no
 * input a user gives can make nuwa's own code throw on purpose.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, ROOT, tempDir } from '../helpers';

/** Throws `value` from a timer once init's guard is installed, then drops a marker file for the main program. */
function faultScript(dir: string, value: string): string {
  const file = path.join(dir, 'fault.js');
  const marker = path.join(dir, 'thrown');
  fs.writeFileSync(
    file,
    `const fs = require('node:fs');
const poll = setInterval(() => {
  if (process.listenerCount('uncaughtException') === 0) return;
  clearInterval(poll);
  setTimeout(() => fs.writeFileSync(${JSON.stringify(marker)}, ''), 50);
  throw ${value};
}, 10);
poll.unref();
`,
  );
  return file;
}

for (const [what, value, logged] of [
  ['null', 'null', 'null'],
  ['undefined', 'undefined', 'undefined'],
  ['a string', "'boom'", 'boom'],
  ['an Error', "new Error('boom')", 'Error: boom'],
] as const) {
  test(`\`throw ${what}\` in a timer: logged as an internal error, and init still exits with the main program's code`, async (t) => {
    nuwaBinary(); // dist/nuwa.cjs is built with it
    const dir = tempDir('nuwa-survive-');
    const fault = faultScript(dir, value);
    const marker = path.join(dir, 'thrown');
    // bounded: if init died, this must not linger
    const main = `for i in $(seq 400); do [ -e '${marker}' ] && exit 3; sleep 0.05; done; exit 9`;
    const child = spawn(process.execPath, ['-r', fault, path.join(ROOT, 'dist/nuwa.cjs'), 'init', 'sh', '-c', main], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    t.is(code, 3, stderr);
    t.true(stderr.startsWith(`nuwa init: error: internal error, survived: ${logged}`), stderr);
  });
}
