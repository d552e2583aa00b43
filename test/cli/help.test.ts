/**
 * `APPLET --help` never acts: every applet of the one executable answers it with its usage on stdout and exit 0,
 * touching nothing (a `halt --help` used to halt the container; chain programs used to run `--help` as a program).
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { nuwaBinary, tempDir } from '../helpers';

/** The applet names, as `nuwa --help` lists them, and the execline programs it lists on their own line. */
function appletNames(): string[] {
  const out = spawnSync(nuwaBinary(), ['--help'], { encoding: 'utf8' }).stdout;
  const list = out.slice(out.indexOf('applets:'));
  const execline = /^execline programs: (.*)$/m.exec(out)?.[1]?.split(' ') ?? [];
  return [...[...list.matchAll(/^ {2}(\S+) /gm)].map((m) => m[1] as string), ...execline];
}

test('every applet answers --help with its usage and exit 0, and changes nothing', (t) => {
  const names = appletNames();
  t.true(names.includes('halt') && names.includes('svc') && names.includes('foreground') && names.length >= 20, names.join(' '));
  const dir = tempDir('nuwa-help-');
  for (const name of names) {
    const run = spawnSync(nuwaBinary(), [name, '--help'], { cwd: dir, encoding: 'utf8', timeout: 20_000, env: { PATH: process.env.PATH } });
    t.is(run.status, 0, `${name} --help: ${run.stderr}`);
    t.regex(run.stdout, /usage/i, `${name} --help prints its usage`);
    t.is(run.stderr, '', `${name} --help says nothing on stderr`);
  }
  t.deepEqual(fs.readdirSync(dir), [], 'nothing was created where the applets ran');
});
