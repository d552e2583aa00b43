/**
 * PID 1's first duty: every orphan is reaped, and the exit statuses of nuwa's own children (libuv's) are never stolen
 * by the reaper, even while orphans die by the thousand. nuwa's own children here are the services it supervises
 * (a scan dir beside CMD): a blanket waitpid(-1) in the reaper would take their statuses, and their finish scripts
 * would then report the wrong code or never run.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers';
import { runAsPid1, runAsSubreaper } from '../helpers/pid1';

const SERVICES = 100;

/**
 * The main program: makes 1,000 orphans (each `sh` exits at once, leaving a subshell re-parented to nuwa) that block
 * opening a FIFO for reading, as nuwa's services (each `exec < gate; exit N`) do. Once all 1,100 are blocked there,
 * it opens the FIFO for writing and closes it: every one of them exits in the same instant, so nuwa's reaper passes
 * over 1,000 dying orphans while its own children die beside them. Then it waits until every service's finish has
 * recorded its code and no zombie is left, and exits 42. It prints what it observed as JSON.
 */
const MAIN =
  `
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const [scandir, gate] = process.argv.slice(2);
const pid1 = String(process.ppid); // nuwa
const children = () => fs.readdirSync('/proc/' + pid1 + '/task').flatMap((tid) =>
  fs.readFileSync('/proc/' + pid1 + '/task/' + tid + '/children', 'latin1').split(' ').filter(Boolean));
const read = (file) => { try { return fs.readFileSync(file, 'latin1'); } catch { return ''; } };
// Zombies among nuwa's children: the orphans it must reap (never the host's unrelated processes).
const zombies = () => children().filter((p) => { const s = read('/proc/' + p + '/stat'); ` +
  `return s[s.lastIndexOf(')') + 2] === 'Z'; }).length;
// Blocked in open(2) of a FIFO that has no writer yet.
const atGate = () => children().filter((p) => read('/proc/' + p + '/wchan') === 'wait_for_partner').length;
// stdio ignored: spawnSync would otherwise wait for the orphans, which hold its pipes
spawnSync('sh', ['-c', 'for i in $(seq 1000); do (exec < ' + gate + ') & done'], { stdio: 'ignore' });
const recorded = () => fs.readdirSync(scandir).filter((name) => fs.existsSync(path.join(scandir, name, 'code'))).length;
const deadline = Date.now() + 60000;
const open = () => {
  if (atGate() < 1000 + ${SERVICES} && Date.now() < deadline) return setTimeout(open, 20);
  fs.closeSync(fs.openSync(gate, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
  setTimeout(check, 50);
};
const check = () => {
  const z = zombies();
  if ((z === 0 && recorded() === ${SERVICES}) || Date.now() > deadline) {
    process.stdout.write(JSON.stringify({ zombies: z, parent: pid1 }));
    process.exit(42);
  }
  setTimeout(check, 50);
};
open();
`;

/** SERVICES service dirs: run waits at the gate, then exits with the service's number; finish records the code, "stay down". */
function scanDir(dir: string, gate: string): string {
  const scandir = path.join(dir, 'service');
  for (let i = 0; i < SERVICES; i++) {
    const service = path.join(scandir, `s${i}`);
    fs.mkdirSync(service, { recursive: true });
    fs.writeFileSync(path.join(service, 'run'), `#!/bin/sh\nexec < ${gate}\nexit ${i}\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(service, 'finish'), '#!/bin/sh\necho "$1" > code\nexit 125\n', { mode: 0o755 });
  }
  return scandir;
}

for (const [mode, run] of Object.entries({ 'as PID 1': runAsPid1, 'as a subreaper': runAsSubreaper })) {
  test(
    `${mode}: 1,000 orphans leave no zombie; ${SERVICES} services dying beside them report their exit codes; ` + "main's code survives",
    async (t) => {
      const dir = tempDir();
      t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
      const script = path.join(dir, 'main.js');
      fs.writeFileSync(script, MAIN);
      const gate = path.join(dir, 'gate');
      execFileSync('mkfifo', [gate]);
      const scandir = scanDir(dir, gate);
      const result = await run([process.execPath, script, scandir, gate], { NUWA_SCANDIR: scandir }).finished;
      t.is(result.code, 42, result.stderr);
      const seen = JSON.parse(result.stdout) as { zombies: number; parent: string };
      t.is(seen.zombies, 0);
      const codes = Array.from({ length: SERVICES }, (_, i) => {
        const file = path.join(scandir, `s${i}`, 'code');
        return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : 'no finish';
      });
      t.deepEqual(
        codes,
        Array.from({ length: SERVICES }, (_, i) => String(i)),
      );
      if (mode === 'as PID 1') t.is(seen.parent, '1');
    },
  );
}

test('as PID 1: the main program exiting while 1,000 orphans still run ends the container promptly with its code', async (t) => {
  const result = await runAsPid1(['sh', '-c', 'for i in $(seq 1000); do sleep 1000 & done; exit 5'], { S6_KILL_GRACETIME: '2000' })
    .finished;
  t.is(result.code, 5, result.stderr);
});
