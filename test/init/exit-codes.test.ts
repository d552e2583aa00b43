/** `nuwa init` exits with the main program's status, as PID 1 and as a subreaper, and refuses bad input clearly. */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers';
import { runAsPid1, runAsSubreaper } from '../helpers/pid1';

const modes = { 'as PID 1': runAsPid1, 'as a subreaper': runAsSubreaper };

for (const [mode, run] of Object.entries(modes)) {
  for (const [script, expected] of [
    ['exit 0', 0],
    ['exit 3', 3],
    ['kill -TERM $$', 128 + 15],
    ['kill -KILL $$', 128 + 9],
  ] as const) {
    test(`${mode}: main program "${script}" → exit ${expected}`, async (t) => {
      const result = await run(['sh', '-c', script]).finished;
      t.is(result.code, expected, result.stderr);
    });
  }

  test(`${mode}: a missing program exits 127 with one line naming it`, async (t) => {
    const result = await run(['/no/such/program', 'arg']).finished;
    t.is(result.code, 127);
    t.is(result.stderr, "nuwa init: error: cannot run '/no/such/program': not found\n");
  });

  test(`${mode}: a program that is not executable exits 126 with one line naming it`, async (t) => {
    const file = path.join(tempDir(), 'not-executable');
    fs.writeFileSync(file, '#!/bin/sh\necho should not run\n', { mode: 0o644 });
    const result = await run([file]).finished;
    t.is(result.code, 126);
    t.is(result.stdout, '');
    t.is(result.stderr, `nuwa init: error: cannot run '${file}': permission denied (is it executable?)\n`);
  });

  test(`${mode}: a program found on PATH gets its arguments`, async (t) => {
    const result = await run(['sh', '-c', 'echo "$0|$1|$2"', 'zero', 'one two', '']).finished;
    t.is(result.code, 0);
    t.is(result.stdout, 'zero|one two|\n');
  });
}

test('an unknown option is refused with exit 100 and one line', async (t) => {
  const result = await runAsSubreaper(['--frobnicate', 'true']).finished;
  t.is(result.code, 100);
  t.is(result.stderr, "nuwa init: unknown option '--frobnicate' (nuwa init --help)\n");
});

test('no command is refused with exit 100 and one line', async (t) => {
  const result = await runAsSubreaper([]).finished;
  t.is(result.code, 100);
  t.regex(result.stderr, /^nuwa init: no command given[^\n]*\n$/);
});

test('options end at the first word: flags after CMD belong to CMD', async (t) => {
  const result = await runAsSubreaper(['sh', '-c', 'echo "$1"', 'sh', '--frobnicate']).finished;
  t.is(result.code, 0);
  t.is(result.stdout, '--frobnicate\n');
});
