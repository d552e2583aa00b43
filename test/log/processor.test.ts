/**
 * s6-log's processors (`!cmd`): each rotated file goes through the processor, and what it prints is the archive. The
 * command is execline, as under s6-log, even in an image that has no execline at all: nuwa runs its own execlineb.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, tempDir } from '../helpers';

const ARCHIVE = /^@[0-9a-f]{24}\.s$/;

test('a `!` processor is execline even where no execlineb is on PATH: pipeline { cat } tr turns each archive upper-case', (t) => {
  const root = tempDir('nuwa-processor-');
  const bin = path.join(root, 'bin'); // cat and tr, and nothing of execline or s6
  fs.mkdirSync(bin);
  for (const tool of ['cat', 'tr']) fs.symlinkSync(`/usr/bin/${tool}`, path.join(bin, tool));
  const logdir = path.join(root, 'log');
  const input = Array.from({ length: 400 }, (_, i) => `line ${String(i).padStart(4, '0')} of the service\n`).join('');

  const run = spawnSync(nuwaBinary(), ['log', 's4096', '!pipeline { cat } tr a-z A-Z', logdir], {
    input,
    env: { PATH: bin },
    encoding: 'utf8',
    timeout: 60_000,
  });
  t.is(run.status, 0, run.stderr);
  t.notRegex(run.stderr, /warn|error|cannot/i);

  const archives = fs.readdirSync(logdir).filter((f) => ARCHIVE.test(f));
  t.true(archives.length >= 1, `archives: ${fs.readdirSync(logdir).join(' ')}`);
  for (const archive of archives) {
    const text = fs.readFileSync(path.join(logdir, archive), 'utf8');
    t.regex(text, /LINE \d{4} OF THE SERVICE/, archive);
    t.notRegex(text, /line \d{4} of/, `${archive} was not processed`);
  }
});
