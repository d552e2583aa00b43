/**
 * A logger that cannot write: the service is not blocked, the problem is said once, lines are held and written once
 * the logdir works again; a logdir removed under a running logger is recreated.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, requireCommand, tempDir, waitFor } from '../helpers';

test('a full disk: the writer never blocks, one warning, every held line written once space is back', async (t) => {
  requireCommand('unshare', 'util-linux');
  const nuwa = nuwaBinary();
  const work = tempDir('nuwa-t-log-full-');
  const lines = 2000; // ~90 kB: more than a pipe holds, so the writer finishes only if the logger keeps reading
  // In a private mount namespace: a 256 kB tmpfs, nearly filled, holds the logdir.
  const script = `
set -e
D="${work}/disk"; W="${work}"
mkdir -p "$D"
mount -t tmpfs -o size=256k tmpfs "$D"
dd if=/dev/zero of="$D/filler" bs=1k count=248 2>/dev/null || true
mkfifo "$W/in"
"${nuwa}" log s4096 l0 n100 "$D/logs" < "$W/in" 2> "$W/stderr" &
logger=$!
exec 3> "$W/in"
i=0
while [ $i -lt ${lines} ]; do echo "line $i of the service, with some padding text" >&3; i=$((i+1)); done
echo done > "$W/writer-finished"
until grep -q "cannot write" "$W/stderr"; do sleep 0.05; done
rm "$D/filler"
until grep -q "writable again" "$W/stderr"; do sleep 0.05; done
echo "after recovery" >&3
exec 3>&-
wait $logger
echo "logger=$?" > "$W/logger-status"
mkdir "$W/copy"
cp -a "$D/logs/." "$W/copy/"
umount "$D"
`;
  const child = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  t.is(status, 0, `scenario failed: ${stderr}`);
  t.true(fs.existsSync(path.join(work, 'writer-finished')), 'the writer finished while the disk was full');
  t.is(fs.readFileSync(path.join(work, 'logger-status'), 'utf8').trim(), 'logger=0');

  const copy = path.join(work, 'copy');
  const files = fs
    .readdirSync(copy)
    .filter((f) => /^@[0-9a-f]{24}\.s$/.test(f))
    .sort();
  const logged = [...files, 'current'].map((f) => fs.readFileSync(path.join(copy, f), 'utf8')).join('');
  const expected =
    Array.from({ length: lines }, (_, i) => `line ${i} of the service, with some padding text\n`).join('') + 'after recovery\n';
  t.is(logged, expected, 'every line, in order, none twice');
  const loggerErr = fs.readFileSync(path.join(work, 'stderr'), 'utf8');
  t.is(loggerErr.match(/cannot write/g)?.length, 1, `said once: ${loggerErr}`);
  t.regex(loggerErr, /no space left on device/i);
});

test('a logdir removed under a running logger is recreated and keeps the lines that follow', async (t) => {
  const cwd = tempDir('nuwa-t-log-gone-');
  const dir = path.join(cwd, 'var', 'log', 'app');
  const logger = spawn(nuwaBinary(), ['log', dir], { cwd, stdio: ['pipe', 'ignore', 'pipe'] });
  t.teardown(() => logger.kill('SIGKILL')); // a failed wait must not leave it holding our pipes
  let stderr = '';
  logger.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => logger.once('exit', resolve));
  logger.stdin.write('before\n');
  await waitFor('the first line in current', () => fs.readFileSync(path.join(dir, 'current'), 'utf8') === 'before\n');
  fs.rmSync(path.join(cwd, 'var'), { recursive: true });
  logger.stdin.write('after 1\n');
  await waitFor('the logdir recreated', () => fs.existsSync(path.join(dir, 'current')));
  logger.stdin.end('after 2\n');
  t.is(await exited, 0, stderr);
  t.is(fs.readFileSync(path.join(dir, 'current'), 'utf8'), 'after 1\nafter 2\n');
  t.is(stderr.match(/was removed while in use/g)?.length, 1, stderr);
});
