/**
 * cli/errors.ts: an applet called by its own name (a `/command/s6-svc` symlink to nuwa, as s6-overlay images call
 * it) fails in the words of the program it stands in for, `s6-svc: fatal: …`, beside Debian's real s6-svc; called as
 * `nuwa s6-svc`, it still says `nuwa s6-svc: …`.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, requireCommand, tempDir } from '../helpers';

/** The first line `file args` writes on stderr, and its exit code. */
function firstError(file: string, args: string[]): { line: string; code: number | null } {
  const run = spawnSync(file, args, { encoding: 'utf8', timeout: 20_000 });
  return { line: run.stderr.split('\n')[0] ?? '', code: run.status };
}

test('called by its own name, s6-svc says what s6-svc says: its name, then fatal: for a system error', (t) => {
  const real = requireCommand('s6-svc', 's6');
  const dir = tempDir('nuwa-own-name-');
  const ours = path.join(dir, 's6-svc');
  fs.symlinkSync(nuwaBinary(), ours);
  const missing = path.join(dir, 'no-such-service');

  const s6 = firstError(real, ['-u', missing]);
  const nuwa = firstError(ours, ['-u', missing]);
  t.is(nuwa.code, s6.code);
  const head = `s6-svc: fatal: unable to control ${missing}: `;
  t.true(s6.line.startsWith(head), `Debian's s6-svc: ${s6.line}`);
  t.true(nuwa.line.startsWith(head), `nuwa as s6-svc: ${nuwa.line}`);

  const usage = firstError(ours, ['-Z', missing]);
  t.is(usage.code, 100);
  t.regex(usage.line, /^s6-svc: unknown option -Z; usage: /);

  // a warning too (the applet names itself 'svc' inside)
  const extra = 'warning: ignoring extra arguments';
  t.is(firstError(real, ['-u', missing, missing]).line, `s6-svc: ${extra}`);
  t.is(firstError(ours, ['-u', missing, missing]).line, `s6-svc: ${extra}`);
});

test("called by a name of nuwa's own (svc, as /init is init), the line names nuwa", (t) => {
  const dir = tempDir('nuwa-own-name-');
  const svc = path.join(dir, 'svc');
  fs.symlinkSync(nuwaBinary(), svc);
  const missing = path.join(dir, 'no-such-service');
  const run = firstError(svc, ['-u', missing]);
  t.is(run.code, 111);
  t.true(run.line.startsWith(`nuwa svc: unable to control ${missing}: `), run.line);
});

test('called as nuwa APPLET, the line names nuwa, as before', (t) => {
  const dir = tempDir('nuwa-own-name-');
  const missing = path.join(dir, 'no-such-service');
  const run = firstError(nuwaBinary(), ['s6-svc', '-u', missing]);
  t.is(run.code, 111);
  t.true(run.line.startsWith(`nuwa s6-svc: unable to control ${missing}: `), run.line);
});
