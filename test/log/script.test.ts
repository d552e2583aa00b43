/**
 * nuwa log's logging script against Debian's real s6-log: the same script on the same input must give the same
 * logdir, status file, stdout and alerts. Then what s6-log does not cover the same way: processors with state,
 * cut lines, the lock, bad scripts.
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { nuwaBinary, requireCommand, tempDir, waitFor } from '../helpers';

function run(program: string, args: string[], input: string, cwd: string) {
  const r = spawnSync(program, args, { input, cwd, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const INPUT = [
  'starting up',
  'STAT 1 request',
  'fatal: disk on fire, and this text goes on beyond the alert size',
  'an ordinary line',
  'STAT 2 requests',
  'debug: noisy',
  'fatal: again',
  'last line',
].join('\n');

test('selection, status file, alerts, stdout, prefix: the same results as s6-log', (t) => {
  const s6log = requireCommand('s6-log', 's6');
  const nuwa = nuwaBinary();
  const script = [
    'E12',
    '-',
    '+fatal:',
    '2',
    '-',
    '+^STAT',
    '^20',
    '=status',
    'f',
    '-^debug:',
    's4096',
    'pAPP:',
    './dir',
    '+.',
    '-^STAT',
    '1',
  ];
  const results = [
    { name: 's6-log', program: s6log, args: script },
    { name: 'nuwa log', program: nuwa, args: ['log', ...script] },
  ].map(({ name, program, args }) => {
    const cwd = tempDir('nuwa-t-log-script-');
    const r = run(program, args, `${INPUT}\n`, cwd);
    t.is(r.status, 0, `${name} exit status (stderr: ${r.stderr})`);
    return {
      name,
      current: fs.readFileSync(path.join(cwd, 'dir', 'current'), 'utf8'),
      status: fs.readFileSync(path.join(cwd, 'status'), 'utf8'),
      stdout: r.stdout,
      alerts: r.stderr
        .split('\n')
        .filter((l) => l.includes('alert: '))
        .map((l) => l.replace(/^(s6-log|nuwa log): /, '')),
    };
  });
  const [real, ours] = results as [(typeof results)[0], (typeof results)[0]];
  t.is(ours.current, real.current, 'logdir current');
  t.is(ours.status, real.status, 'status file');
  t.is(ours.stdout, real.stdout, 'stdout');
  t.deepEqual(ours.alerts, real.alerts, 'alerts');
  // And what that means, so a shared misunderstanding cannot pass unnoticed:
  t.is(ours.current, 'APP: starting up\nAPP: an ordinary line\nAPP: last line\n');
  t.is(ours.status, `STAT 2 requests${'\n'.repeat(5)}`);
  t.deepEqual(ours.alerts, ['alert: fatal: disk ...', 'alert: fatal: again']);
});

test("t and T stamp the next action only, in s6-log's formats", (t) => {
  const cwd = tempDir('nuwa-t-log-stamps-');
  const r = run(nuwaBinary(), ['log', 't', 'T', './stamped', './plain'], 'hello\n', cwd);
  t.is(r.status, 0, r.stderr);
  t.regex(
    fs.readFileSync(path.join(cwd, 'stamped', 'current'), 'utf8'),
    /^@4[0-9a-f]{23} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9} {2}hello\n$/,
  );
  t.is(fs.readFileSync(path.join(cwd, 'plain', 'current'), 'utf8'), 'hello\n');
});

test('a processor gets each rotated file on stdin, its output is archived, and state goes from run to run', async (t) => {
  const cwd = tempDir('nuwa-t-log-proc-');
  const dir = path.join(cwd, 'dir');
  // gzip the file; keep a count of rotations in state (fd 4 in, fd 5 out).
  const processor = '?gzip -n; n=$(cat <&4); echo $(( ${n:-0} + 1 )) >&5';
  const logger = spawn(nuwaBinary(), ['log', 'n10', 's4096', 'l0', processor, './dir'], { cwd, stdio: ['pipe', 'ignore', 'pipe'] });
  t.teardown(() => logger.kill('SIGKILL')); // a failed wait must not leave it holding our pipes
  let stderr = '';
  logger.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => logger.once('exit', resolve));
  const archives = () =>
    fs
      .readdirSync(dir)
      .filter((f) => /^@[0-9a-f]{24}\.s$/.test(f))
      .sort();
  const lines: string[] = [];
  // Three batches of ~4.4 kB, each waited for: a rotation happens while no other one is being processed.
  for (let batch = 1; batch <= 3; batch++) {
    const these = Array.from({ length: 100 }, (_, i) => `batch ${batch} line ${String(i).padStart(3, '0')} ${'x'.repeat(24)}`);
    lines.push(...these);
    logger.stdin.write(`${these.join('\n')}\n`);
    await waitFor(
      `rotation ${batch} processed`,
      () => fs.existsSync(dir) && archives().length === batch && !fs.existsSync(path.join(dir, 'previous')),
    );
  }
  logger.stdin.end('the end\n');
  t.is(await exited, 0, stderr);
  const unpacked = archives()
    .map((f) => zlib.gunzipSync(fs.readFileSync(path.join(dir, f))).toString())
    .join('');
  t.is(
    unpacked + fs.readFileSync(path.join(dir, 'current'), 'utf8'),
    `${lines.join('\n')}\nthe end\n`,
    'every line, in order, across gzipped archives and current',
  );
  t.is(fs.readFileSync(path.join(dir, 'state'), 'utf8').trim(), '3', 'state counted every processed rotation');
  t.false(fs.existsSync(path.join(dir, 'processed')));
  t.false(fs.existsSync(path.join(dir, 'newstate')));
});

test('a line longer than -l is cut in two, said once, and nothing is lost', (t) => {
  const cwd = tempDir('nuwa-t-log-long-');
  const long = 'a'.repeat(250);
  const r = run(nuwaBinary(), ['log', '-l', '100', './dir'], `${long}\nshort\n${long}\n`, cwd);
  t.is(r.status, 0, r.stderr);
  const current = fs.readFileSync(path.join(cwd, 'dir', 'current'), 'utf8');
  t.is(current.replace(/\n/g, ''), `${long}short${long}`, 'every byte kept');
  t.deepEqual(
    current.split('\n').map((l) => l.length),
    [100, 100, 50, 5, 100, 100, 50, 0],
  );
  t.is(r.stderr.match(/cut in two/g)?.length, 2, `one warning, then one count at exit: ${r.stderr}`);
  t.regex(r.stderr, /4 lines longer than 100 bytes were cut/);
});

test('a second logger on the same logdir is refused with exit 111, the first keeps it', (t) => {
  const cwd = tempDir('nuwa-t-log-lock-');
  const nuwa = nuwaBinary();
  // The first logger holds the lock while its stdin (a waiting shell) stays open, until the second has tried. The
  // second starts once the first has created current (which it does after taking the lock), not after a fixed sleep.
  const script = [
    `(for i in $(seq 600); do [ -e second-done ] && break; sleep 0.05; done) | "${nuwa}" log ./dir &`,
    'for i in $(seq 400); do [ -e dir/current ] && break; sleep 0.05; done',
    `echo x | "${nuwa}" log ./dir; echo "second=$?"; : > second-done; wait`,
  ].join('\n');
  const first = spawnSync('sh', ['-c', script], { cwd, encoding: 'utf8' });
  t.regex(first.stdout, /second=111/);
  t.regex(first.stderr, /nuwa log: .*dir: another logger is writing to this logdir/);
});

test('bad scripts are refused with exit 100 and one line naming the directive', (t) => {
  const nuwa = nuwaBinary();
  const cases: Array<[string[], RegExp]> = [
    [['s100', './d'], /directive 's100': must be between 4096 and 268435455/],
    [['x', './d'], /unknown directive 'x'/],
    [['+(', './d'], /invalid regular expression in directive '\+\('/],
    [['n5'], /no action directive/],
    [['s4096', 'l3000', './d'], /tolerance l3000 is more than half of s4096/],
  ];
  for (const [script, expected] of cases) {
    const r = run(nuwa, ['log', ...script], '', tempDir('nuwa-t-log-bad-'));
    t.is(r.status, 100, script.join(' '));
    t.regex(r.stderr, expected);
    t.is(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  }
});
