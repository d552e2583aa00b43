/**
 * nuwa's own tools (svc, svstat, svwait, svscanctl, svok) against Debian's real s6-supervise and against nuwa svscan:
 * they must say and do what Debian's s6-svc, s6-svstat, s6-svwait, s6-svscanctl and s6-svok say and do.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { NUWA, nuwaBinary, requireCommand, tempDir, waitFor } from '../helpers';
import { run, s6svok, startScanner, svstatFields, waitUp, writeService, type Scanner } from '../helpers/s6';
import { assertMatches, runTrial, type Snapshot } from './harness';
import { EVERY_LETTER } from './scenarios';

test.before(() => {
  nuwaBinary();
  for (const tool of ['s6-svscan', 's6-svc', 's6-svstat', 's6-svwait', 's6-svok', 's6-svscanctl']) requireCommand(tool, 's6');
});

const nuwa = (args: string[], env: NodeJS.ProcessEnv = {}) => run(NUWA, args, { env });

/** Seconds tick between two calls: compare the lines with the counts blanked out. */
const blankSeconds = (line: string) => line.replace(/\d+ seconds/g, 'N seconds');

interface Tree {
  scanner: Scanner;
  scandir: string;
  dir(name: string): string;
}

/** A real s6-svscan tree with services in every state s6-svstat distinguishes. */
async function s6Tree(t: { teardown(fn: () => Promise<void>): void }): Promise<Tree> {
  const scandir = tempDir('nuwa-tools-s6-');
  const dir = (name: string) => path.join(scandir, name);
  writeService(dir('plain'), { run: 'exec sleep 100101', log: 'exec cat > /dev/null' });
  writeService(dir('held'), { run: 'exec sleep 100102', files: { down: '' } });
  writeService(dir('notif'), { run: 'echo >&3\nexec sleep 100103', files: { 'notification-fd': '3\n' } });
  writeService(dir('stopped'), { run: 'exec sleep 100104', finish: 'exit 0' });
  writeService(dir('paused'), { run: 'exec sleep 100105' });
  const scanner = await startScanner('s6', scandir);
  t.teardown(async () => {
    await scanner.stop();
    fs.rmSync(scandir, { recursive: true, force: true });
  });
  // plain/log too: its s6-supervise is a process of its own, which may start its logger after plain is up
  for (const name of ['plain', 'plain/log', 'notif', 'stopped', 'paused']) await waitUp(dir(name), true);
  await waitFor('notif ready', () => svstatFields(dir('notif'), ['ready'])['ready'] === 'true');
  run('s6-svc', ['-d', dir('stopped')]);
  await waitFor('stopped down and finished', () => run('s6-svstat', [dir('stopped')]).stdout.includes('ready'));
  run('s6-svc', ['-p', dir('paused')]);
  await waitFor('paused paused', () => svstatFields(dir('paused'), ['paused'])['paused'] === 'true');
  return { scanner, scandir, dir };
}

test('nuwa svstat prints what s6-svstat prints for a real s6-supervise: legacy line, -n, -o fields, short options', async (t) => {
  const tree = await s6Tree(t);
  const optionSets = [
    [],
    ['-n'],
    ['-o', 'up,wantedup,normallyup,ready,paused,pid,exitcode,signal,signum,updownsince,readysince'],
    ['-o', 're,s,p,sig,updowns,readys,e,w,n'], // s6 2.11 matches fields by prefix, in its table order
    ['-uwNrpes'],
    ['-o', 'up,'],
  ];
  for (const name of ['plain', 'plain/log', 'held', 'notif', 'stopped', 'paused']) {
    for (const options of optionSets) {
      const theirs = run('s6-svstat', [...options, tree.dir(name)]);
      const ours = nuwa(['svstat', ...options, tree.dir(name)]);
      t.is(ours.status, theirs.status, `${name} ${options.join(' ')}: exit code`);
      t.is(blankSeconds(ours.stdout), blankSeconds(theirs.stdout), `${name} ${options.join(' ')}: output`);
    }
  }
});

test('nuwa svstat --json and the table of a scan dir agree with s6-svstat', async (t) => {
  const tree = await s6Tree(t);
  const one = JSON.parse(nuwa(['svstat', '--json', tree.dir('notif')]).stdout) as Record<string, unknown>;
  const s6 = svstatFields(tree.dir('notif'), ['up', 'wantedup', 'normallyup', 'ready', 'paused', 'pid']);
  t.like(one, {
    service: tree.dir('notif'),
    supervised: true,
    up: true,
    wantedUp: true,
    normallyUp: true,
    ready: true,
    paused: false,
    pid: Number(s6['pid']),
  });

  // NUWA_SCANDIR and no argument: the table of every service and logger.
  const table = nuwa(['svstat'], { NUWA_SCANDIR: tree.scandir });
  t.is(table.status, 0);
  const rows = table.stdout.trim().split('\n');
  t.regex(rows[0] as string, /^SERVICE\s+STATE\s+PID\s+FOR\s+READY\s+LAST EXIT\s+NOTES$/);
  const byName = new Map(rows.slice(1).map((row) => [row.split(/\s+/)[0], row]));
  t.deepEqual([...byName.keys()], ['held', 'notif', 'paused', 'plain', 'plain/log', 'stopped']);
  t.regex(byName.get('held') as string, /^held\s+down\s+-\s+\S+\s+-\s+exitcode 0\s+normally down$/);
  t.regex(byName.get('notif') as string, new RegExp(`^notif\\s+up\\s+${s6['pid']}\\s+\\S+\\s+yes\\s+-$`));
  t.regex(byName.get('paused') as string, /^paused\s+up\s+\d+\s+\S+\s+no\s+-\s+paused$/);
  t.regex(byName.get('stopped') as string, /^stopped\s+down\s+-\s+\S+\s+-\s+SIGTERM$/);

  // The scan dir as an argument, as JSON: one object per service, as s6-svstat sees each.
  const all = JSON.parse(nuwa(['svstat', '--json', tree.scandir]).stdout) as Array<{ service: string; up: boolean; pid: number | null }>;
  t.deepEqual(
    all.map((s) => s.service),
    ['held', 'notif', 'paused', 'plain', 'plain/log', 'stopped'],
  );
  for (const entry of all) {
    const fields = svstatFields(tree.dir(entry.service), ['up', 'pid']);
    t.is(fields.up, String(entry.up), `${entry.service} up`);
    if (entry.up) t.is(fields.pid, String(entry.pid), `${entry.service} pid`);
  }
  // -o on the scan dir: one `name fields…` line per service.
  const lines = nuwa(['svstat', '-o', 'up,wantedup', tree.scandir]).stdout.trim().split('\n');
  t.true(lines.includes('held false false'));
  t.true(lines.includes('plain/log true true'));
});

test('nuwa svok, svc and svscanctl drive a real s6-svscan tree; bare names resolve in NUWA_SCANDIR; s6-* symlinks work', async (t) => {
  const tree = await s6Tree(t);
  const elsewhere = tempDir('nuwa-tools-cwd-');
  t.teardown(() => fs.rmSync(elsewhere, { recursive: true, force: true }));
  const env = { NUWA_SCANDIR: tree.scandir };
  t.is(nuwa(['svok', tree.dir('plain')]).status, 0);
  t.is(nuwa(['svok', 'held'], env).status, 0, 'a bare name is looked up in the scan dir');

  const r = run('sh', ['-c', `cd ${elsewhere} && ${NUWA} svc -wD -T 20000 -d plain`], { env });
  t.is(r.status, 0, r.stderr);
  t.deepEqual(svstatFields(tree.dir('plain'), ['up', 'wantedup']), { up: 'false', wantedup: 'false' });
  t.is(nuwa(['svc', '-wu', '-T', '20000', '-u', 'plain'], env).status, 0);
  t.is(svstatFields(tree.dir('plain'), ['up'])['up'], 'true');
  // -s names a signal; SIGUSR1 kills sleep, and s6 restarts it.
  const before = svstatFields(tree.dir('plain'), ['pid'])['pid'];
  t.is(nuwa(['svc', '-wR', '-T', '20000', '-s', 'USR1', 'plain'], env).status, 0, 'degraded to -wr: plain has no notification-fd');
  await waitUp(tree.dir('plain'), true);
  t.not(svstatFields(tree.dir('plain'), ['pid'])['pid'], before);

  // Called through a symlink named like the s6 tool.
  const bin = tempDir('nuwa-tools-bin-');
  t.teardown(() => fs.rmSync(bin, { recursive: true, force: true }));
  fs.symlinkSync(NUWA, path.join(bin, 's6-svstat'));
  const viaLink = run(path.join(bin, 's6-svstat'), [tree.dir('held')]);
  t.is(blankSeconds(viaLink.stdout), blankSeconds(run('s6-svstat', [tree.dir('held')]).stdout));

  // svscanctl: a new service is picked up on -a; -t stops the real s6-svscan and its tree.
  writeService(tree.dir('late'), { run: 'exec sleep 100106' });
  t.is(nuwa(['svscanctl', '-a', tree.scandir]).status, 0);
  await waitUp(tree.dir('late'), true);
  t.is(nuwa(['svscanctl', '-t'], env).status, 0);
  await waitFor('s6-svscan to exit', () => tree.scanner.process.exitCode !== null);
  t.false(s6svok(tree.dir('plain')));
});

test('nuwa svwait: the exit codes of s6-svwait on the same situations', async (t) => {
  const tree = await s6Tree(t);
  // notification-fd: without it `svc -wU` degrades to -wu, and whether the waiter sees the brief "up" before the
  // permanent failure is a race (for s6 as for nuwa); with it, -U can only end in the failure
  writeService(tree.dir('perm'), { run: 'exit 1', finish: 'exit 125', files: { down: '', 'notification-fd': '3\n' } });
  run('s6-svscanctl', ['-a', tree.scandir]);
  await waitFor('perm supervised', () => s6svok(tree.dir('perm')));
  const cases: string[][] = [
    ['-u', tree.dir('plain')],
    ['-U', tree.dir('notif')],
    ['-D', tree.dir('stopped')],
    ['-t', '300', '-d', tree.dir('plain')],
    ['-o', '-d', tree.dir('plain'), tree.dir('held')],
    ['-a', '-t', '300', '-d', tree.dir('plain'), tree.dir('held')],
    ['-t', '300', '-U', tree.dir('plain')],
    ['-t', 'x', tree.dir('plain')],
    ['-Z', tree.dir('plain')],
  ];
  for (const args of cases) {
    t.is(nuwa(['svwait', ...args]).status, run('s6-svwait', args).status, `svwait ${args.join(' ')}`);
  }

  // Waiting on events: both kinds of waiter subscribed, then the service changes.
  const both = (args: string[]) =>
    [spawn('s6-svwait', args), spawn(NUWA, ['svwait', ...args])].map((c) => {
      let stderr = '';
      c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      return new Promise<string>((r) => c.once('close', (code) => r(`${code}${stderr ? ` ${stderr.trim()}` : ''}`)));
    });
  const listeners = () => fs.readdirSync(path.join(tree.dir('perm'), 'event')).filter((f) => f.startsWith('ftrig1')).length;
  const restart = both(['-t', '30000', '-r', tree.dir('notif')]);
  const failure = both(['-t', '30000', '-U', tree.dir('perm')]);
  await waitFor(
    'four waiters subscribed',
    () => listeners() === 2 && fs.readdirSync(path.join(tree.dir('notif'), 'event')).filter((f) => f.startsWith('ftrig1')).length === 2,
  );
  run('s6-svc', ['-r', tree.dir('notif')]);
  run('s6-svc', ['-u', tree.dir('perm')]);
  t.deepEqual(await Promise.all(restart), ['0', '0'], '-r: down, then up again');
  // s6-svc -w… (which execs s6-svwait or s6-svlisten1) and nuwa svc -w… end the same way.
  for (const args of [
    ['-wu', '-T', '300', tree.dir('held')],
    ['-wD', '-T', '20000', tree.dir('stopped')],
    ['-wU', '-T', '20000', '-u', tree.dir('perm')],
  ]) {
    t.is(nuwa(['svc', ...args]).status, run('s6-svc', args).status, `svc ${args.join(' ')}`);
  }
  t.deepEqual(
    await Promise.all(failure),
    [
      '1 s6-svwait: fatal: some services reported permanent failure or their supervisor died',
      '1 nuwa svwait: 1 service(s) reported permanent failure or their supervisor died',
    ],
    '-U on a service whose finish exits 125: one permanent failure',
  );
});

test('bad input: one clear line and the exit codes of the s6 tools', async (t) => {
  const tree = await s6Tree(t);
  const missing = path.join(tree.scandir, 'no-such-service');
  const unsupervised = writeService(path.join(tempDir('nuwa-tools-free-'), 'free'), { run: 'exec sleep 1' });
  t.teardown(() => fs.rmSync(path.dirname(unsupervised), { recursive: true, force: true }));
  const cases: Array<[string, string[]]> = [
    ['svc', ['-Z', tree.dir('plain')]],
    ['svc', []],
    ['svc', ['-u', missing]],
    ['svc', ['-u', unsupervised]],
    ['svc', ['-s', 'PIPE', tree.dir('plain')]],
    ['svstat', ['-Z', tree.dir('plain')]],
    ['svstat', ['-o', 'bogus', tree.dir('plain')]],
    ['svstat', ['-o', 'up,,pid', tree.dir('plain')]],
    ['svstat', [missing]],
    ['svstat', [unsupervised]],
    ['svwait', []],
    ['svwait', ['-t', '200', missing]],
    ['svok', []],
    ['svok', [missing]],
    ['svok', [unsupervised]],
    ['svscanctl', ['-Z', tree.scandir]],
    ['svscanctl', ['-a', unsupervised]],
  ];
  for (const [tool, args] of cases) {
    const ours = nuwa([tool, ...args]);
    const theirs = run(`s6-${tool}`, args);
    const what = `${tool} ${args.join(' ')}`;
    t.is(ours.status, theirs.status, `${what}: s6-${tool}'s exit code`);
    if (tool === 'svok' && ours.status === 1) continue; // s6-svok says nothing when the answer is "no"
    t.is(ours.stderr.trim().split('\n').length, 1, `${what}: one line (${ours.stderr.trim()})`);
    t.true(ours.stderr.startsWith(`nuwa ${tool}: `), `${what}: names the tool (${ours.stderr.trim()})`);
  }

  // garbage in supervise/status: 7 bytes. s6-svstat fails with 111; so does nuwa, naming the file and the size.
  const status = path.join(tree.dir('held'), 'supervise', 'status');
  const saved = fs.readFileSync(status);
  t.teardown(() => fs.writeFileSync(status, saved));
  fs.writeFileSync(status, 'garbage');
  const ours = nuwa(['svstat', tree.dir('held')]);
  t.is(ours.status, 111);
  t.is(run('s6-svstat', [tree.dir('held')]).status, 111);
  t.regex(
    ours.stderr.trim(),
    /^nuwa svstat: unable to read status for \S+held: \S+held\/supervise\/status: status is 7 bytes, expected 35$/,
  );
  // 50 bytes: s6-svstat reads the first 35 and prints nonsense; nuwa refuses (deliberate: a torn or foreign file).
  fs.writeFileSync(status, Buffer.alloc(50, 0x41));
  t.is(nuwa(['svstat', tree.dir('held')]).status, 111);
  t.is(nuwa(['svstat'], { NUWA_SCANDIR: tree.scandir }).status, 0, 'the table still lists the others');
  t.regex(nuwa(['svstat'], { NUWA_SCANDIR: tree.scandir }).stdout, /^held\s+error\s+.*status is 50 bytes, expected 35$/m);
});

test('nuwa svc drives Debian s6-supervise exactly as s6-svc does, and nuwa svscan the same way (every letter)', async (t) => {
  const [baseline, s6ByNuwa, nuwaByNuwa] = await Promise.all([
    runTrial('s6', 's6', EVERY_LETTER),
    runTrial('s6', 'nuwa', EVERY_LETTER),
    runTrial('nuwa', 'nuwa', EVERY_LETTER),
  ]);
  for (const r of [baseline, s6ByNuwa, nuwaByNuwa]) if (r instanceof Error) throw r;
  const snaps = (r: typeof baseline) => (r as { snapshots: Snapshot[] }).snapshots;
  assertMatches(t, snaps(s6ByNuwa), 's6', snaps(baseline), 's6-svscan driven by nuwa svc');
  assertMatches(t, snaps(nuwaByNuwa), 'nuwa', snaps(baseline), 'nuwa svscan driven by nuwa svc');
});
