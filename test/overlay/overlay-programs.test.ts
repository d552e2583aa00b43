/**
 * s6-overlay's programs scripts call: `logutil-newfifo` (a FIFO with a mode and an owner, replacing what was there)
 * and `fix-attrs` (fix-attrs.d lines from a file or stdin, as v2's fix-attrs program and v3's libexec/fix-attrs).
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NUWA, nuwaBinary, tempDir } from '../helpers';
import { run } from '../helpers/s6';

test.before(() => nuwaBinary());

test('logutil-newfifo replaces a file with a FIFO of the mode and owner asked for; an unknown owner exits 1', (t) => {
  const dir = tempDir('nuwa-newfifo-');
  const fifo = path.join(dir, 'fifo');
  fs.writeFileSync(fifo, 'old');
  const made = run(NUWA, ['logutil-newfifo', '-m', '0620', '-o', 'nobody', fifo]);
  t.is(made.status, 0, made.stderr);
  t.regex(made.stderr, /deprecated/);
  const stat = fs.statSync(fifo);
  t.true(stat.isFIFO());
  t.is((stat.mode & 0o777).toString(8), '620');
  t.is(stat.uid, 65534);
  t.is(run(NUWA, ['logutil-newfifo', fifo]).status, 0);
  t.is((fs.statSync(fifo).mode & 0o777).toString(8), '600', 'default mode 0600, owner root');
  t.is(fs.statSync(fifo).uid, 0);
  t.is(run(NUWA, ['logutil-newfifo', '-o', 'no-such-user', fifo]).status, 1);
  t.is(run(NUWA, ['logutil-newfifo']).status, 100);
});

test('fix-attrs applies fix-attrs.d lines from stdin or files; a bad line is named with its line number and exits 1', (t) => {
  const dir = tempDir('nuwa-fixattrs-');
  fs.mkdirSync(path.join(dir, 'tree/sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'tree/sub/f'), '');
  const lines = `# comment\n${dir}/tree true nobody,65534:65534 0640 0750\n`;
  const applied = run(NUWA, ['fix-attrs'], { input: lines });
  t.is(applied.status, 0, applied.stderr);
  t.is((fs.statSync(path.join(dir, 'tree/sub')).mode & 0o777).toString(8), '750');
  t.is((fs.statSync(path.join(dir, 'tree/sub/f')).mode & 0o777).toString(8), '640');
  t.is(fs.statSync(path.join(dir, 'tree/sub/f')).uid, 65534);
  const file = path.join(dir, 'bad');
  fs.writeFileSync(file, `${dir}/tree false root 0600\n`);
  const bad = run(NUWA, ['fix-attrs', file]);
  t.is(bad.status, 1);
  t.regex(bad.stderr, new RegExp(`fix-attrs: error: ${file}:1: expected "path recurse account fmode dmode"`));
});
