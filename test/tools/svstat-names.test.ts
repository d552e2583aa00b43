/**
 * `nuwa svstat`'s table of a scan dir with names a terminal table cannot take as they are (issue 18, item 7): a name
 * with a newline keeps its row whole (shown `\n`), an escape code is shown, not sent, and one 250-character name is
 * cut in the middle instead of padding every row. --json keeps every name exact. A real s6-svscan supervises them.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { nuwaBinary, tempDir } from '../helpers';
import { startScanner, waitUp, writeService } from '../helpers/s6';
import { NAME_WIDTH } from '../../supervisor/src/tools/status-view';

function svstat(args: string[]) {
  const r = spawnSync(nuwaBinary(), ['svstat', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('svstat table: control characters escaped, a long name cut in the middle, --json exact', async (t) => {
  const scandir = tempDir('nuwa-t-svstat-names-');
  const long = `${'a'.repeat(120)}${'b'.repeat(130)}`; // 250 characters
  const names = ['bad\nname', 'red\x1b[31m', 'back\\slash', long, 'web'];
  for (const [i, name] of names.entries()) {
    writeService(path.join(scandir, name), { run: `exec sleep ${100200 + i}`, log: name === long ? 'exec cat > /dev/null' : undefined });
  }
  const scanner = await startScanner('s6', scandir);
  t.teardown(() => scanner.stop());
  for (const name of [...names, `${long}/log`]) await waitUp(path.join(scandir, name), true, `${JSON.stringify(name)} up`);

  const table = svstat([scandir]);
  t.is(table.code, 0, table.stderr);
  const control = [...table.stdout].filter((c) => c !== '\n' && (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f));
  t.deepEqual(control, [], 'no control character but the newlines between rows');
  const rows = table.stdout.replace(/\n$/, '').split('\n');
  t.is(rows.length, 1 + names.length + 1, `one line per service and logger, plus the header:\n${table.stdout}`);
  // The widest name is the cut one: NAME_WIDTH characters, so STATE starts right after it and two spaces.
  const stateAt = (rows[0] as string).indexOf('STATE');
  t.is(stateAt, NAME_WIDTH + 2, rows[0]);
  const shown = new Map(rows.slice(1).map((row) => [[...row].slice(0, stateAt).join('').trimEnd(), [...row].slice(stateAt).join('')]));
  const cut = (name: string) => `${name.slice(0, NAME_WIDTH - 10)}…${name.slice(-9)}`;
  const display: Record<string, string> = {
    'bad\nname': 'bad\\nname',
    'red\x1b[31m': 'red\\x1b[31m',
    'back\\slash': 'back\\\\slash',
    [long]: cut(long),
    [`${long}/log`]: cut(`${long}/log`),
    web: 'web',
  };
  // In the scan dir's order (names sorted, each logger after its service), each shown escaped.
  const order = [...names].sort().flatMap((n) => (n === long ? [n, `${n}/log`] : [n]));
  t.deepEqual(
    [...shown.keys()],
    order.map((n) => display[n]),
  );
  for (const [name, rest] of shown) t.regex(rest, /^up\s+\d+\s/, `${name}: ${rest}`);
  t.true(cut(`${long}/log`).endsWith('bbbbb/log'), 'a cut logger still shows /log');

  // --json: the names as they are.
  const json = svstat(['--json', scandir]);
  t.is(json.code, 0, json.stderr);
  t.deepEqual((JSON.parse(json.stdout) as Array<{ service: string }>).map((s) => s.service).sort(), [...names, `${long}/log`].sort());
  // -o on the scan dir: one `name fields` line each, escaped, not cut.
  const fields = svstat(['-o', 'up', scandir]).stdout.replace(/\n$/, '').split('\n');
  t.is(fields.length, names.length + 1);
  t.true(fields.includes('bad\\nname true'));
  t.true(fields.includes(`${long}/log true`));
  // Said in the usage.
  t.regex(svstat(['--help']).stdout, new RegExp(`longer than\\s+${NAME_WIDTH} characters is cut in the middle`));
});
