/**
 * PID 1's first duty: every orphan is reaped, and the exit statuses of nuwa's own children (libuv's) are never stolen
 * by the reaper, even while orphans die by the thousand.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers';
import { runAsPid1, runAsSubreaper } from '../helpers/pid1';

/**
 * The main program: makes 1,000 orphans at once (each `sh` exits at once, leaving its `sleep` to be re-parented to
 * nuwa), spawns 200 short-lived children of its own that exit with known codes while the orphans die, then waits
 * until no zombie is left and exits 42. It prints what it observed as JSON.
 */
const MAIN = `
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const pid1 = String(process.ppid); // nuwa
// Zombies among nuwa's children: the orphans it must reap (never the host's unrelated processes).
const zombies = () => fs.readdirSync('/proc/' + pid1 + '/task').flatMap((tid) =>
  fs.readFileSync('/proc/' + pid1 + '/task/' + tid + '/children', 'latin1').split(' ').filter(Boolean)
).filter((p) => {
  try { const s = fs.readFileSync('/proc/' + p + '/stat', 'latin1'); return s[s.lastIndexOf(')') + 2] === 'Z'; }
  catch { return false; }
}).length;
spawnSync('sh', ['-c', 'for i in $(seq 1000); do sleep 0.2 & done']);
const codes = [];
let pending = 200;
for (let i = 0; i < 200; i++) {
  const child = spawn('sh', ['-c', 'exit ' + (i % 100)]);
  child.on('exit', (code) => {
    codes[i] = code;
    if (--pending === 0) finish();
  });
}
function finish() {
  const deadline = Date.now() + 30000;
  const check = () => {
    const z = zombies();
    if (z === 0 || Date.now() > deadline) {
      process.stdout.write(JSON.stringify({ zombies: z, codes, parent: pid1 }));
      process.exit(42);
    }
    setTimeout(check, 50);
  };
  setTimeout(check, 300); // after the sleeps end
}
`;

for (const [mode, run] of Object.entries({ 'as PID 1': runAsPid1, 'as a subreaper': runAsSubreaper })) {
  test(`${mode}: 1,000 orphans leave no zombie; 200 children of the main program report their codes; main's code survives`, async (t) => {
    const dir = tempDir();
    const script = path.join(dir, 'main.js');
    fs.writeFileSync(script, MAIN);
    const result = await run([process.execPath, script]).finished;
    t.is(result.code, 42, result.stderr);
    const seen = JSON.parse(result.stdout) as { zombies: number; codes: number[]; parent: string };
    t.is(seen.zombies, 0);
    t.deepEqual(seen.codes, Array.from({ length: 200 }, (_, i) => i % 100));
    if (mode === 'as PID 1') t.is(seen.parent, '1');
  });
}

test('as PID 1: the main program exiting while 1,000 orphans still run ends the container promptly with its code', async (t) => {
  const result = await runAsPid1(['sh', '-c', 'for i in $(seq 1000); do sleep 1000 & done; exit 5'], { S6_KILL_GRACETIME: '2000' })
    .finished;
  t.is(result.code, 5, result.stderr);
});
