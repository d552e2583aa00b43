/** nuwa s6-test against execline's eltest (s6-test's successor, same interface): exit codes for what scripts test. */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, tempDir } from '../helpers';
import { both, original } from './reference';

test.before(() => nuwaBinary());

test('s6-test gives the exit code eltest gives: strings, numbers, files, -v, =~, !, -a/-o, parentheses, parse errors', (t) => {
  const dir = tempDir('nuwa-s6test-');
  fs.writeFileSync(path.join(dir, 'file'), 'x');
  fs.writeFileSync(path.join(dir, 'empty'), '');
  fs.mkdirSync(path.join(dir, 'dir'));
  fs.symlinkSync('file', path.join(dir, 'link'));
  fs.writeFileSync(path.join(dir, 'old'), '');
  fs.utimesSync(path.join(dir, 'old'), new Date('2000-01-01'), new Date('2000-01-01'));
  const cases = [
    [],
    ['a'],
    [''],
    ['-n', ''],
    ['-z', ''],
    ['-n', 'x'],
    ['a', '=', 'a'],
    ['a', '=', 'b'],
    ['a', '!=', 'b'],
    ['!', 'a', '=', 'b'],
    ['!', '!', 'a'],
    ['a', '-a', ''],
    ['', '-o', 'a'],
    ['(', 'a', '=', 'b', ')', '-o', 'x'],
    ['a', '-o', 'b', '-a', ''],
    ['!', '(', 'a', ')'],
    ['1', '-lt', '2'],
    ['-3', '-le', '-4'],
    ['+3', '-eq', '3'],
    ['10', '-gt', '9'],
    ['2', '-ge', '2'],
    ['2', '-ne', '2'],
    ['x', '-lt', '2'],
    ['a', '<', 'b'],
    ['b', '>', 'a'],
    ['-f', 'file'],
    ['-f', 'dir'],
    ['-d', 'dir'],
    ['-e', 'nope'],
    ['-s', 'file'],
    ['-s', 'empty'],
    ['-h', 'link'],
    ['-L', 'file'],
    ['-x', '/bin/sh'],
    ['-r', 'file'],
    ['-w', 'file'],
    ['-c', '/dev/null'],
    ['-b', '/dev/null'],
    ['-p', 'file'],
    ['-S', 'file'],
    ['-u', 'file'],
    ['-g', 'file'],
    ['-k', '/tmp'],
    ['-O', 'file'],
    ['-G', 'file'],
    ['link', '-ef', 'file'],
    ['file', '-ef', 'dir'],
    ['-t', '0'],
    ['-v', 'PATH'],
    ['-v', 'NUWA_SURELY_UNSET'],
    ['abc', '=~', 'b'],
    ['abc', '=~', '^b'],
    ['abc', '=~', '^[[:alpha:]]+$'],
    ['d]', '=~', '^[[:digit:]]$'],
    ['a 1', '=~', '^[[:alnum:]][[:space:]][[:digit:]]$'],
    ['abc', '=~', '('],
    ['file', '-nt', 'old'],
    ['old', '-nt', 'file'],
    ['old', '-ot', 'file'],
    ['file', '-nt', 'nope'],
    ['nope', '-nt', 'file'],
    ['nope', '-ot', 'file'],
    ['file', '-ot', 'nope'],
    ['-U', 'file'],
    ['-t', 'x'],
    ['-t', '99999999999'],
    ['\\-n'],
    ['\\!', '=', '!'],
    ['!'],
    ['-n'],
    ['a', '='],
    ['(', 'a'],
    ['a', ')'],
    ['-n', 'a', 'b'],
    ['a', 'b'],
  ];
  for (const args of cases) {
    const [theirs, ours] = both('s6-test', args, { cwd: dir }, original('eltest'));
    t.is(ours.status, theirs.status, `s6-test ${args.join(' ')}`);
  }
});
