/**
 * nuwa log on a disk that fills up under a fast writer (issue 18, item 6): a 1 MB tmpfs in a private mount namespace,
 * a filler file that takes the rest of it (and what the logger frees) for a while, `n5 s100000`, 20,000 lines of 100
 * bytes a second. While it recovers the logger rotates and trims as usual (current never past s, at most n
 * archives), writes the marker line for what it had to drop (the oldest held lines: the newest are kept), and every
 * line after the marker is there, up to the last one written. Input that ends while the disk is still full is
 * retried for a while before the logger exits, rather than given up at once.
 */
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, requireCommand, tempDir } from '../helpers';

const S = 100_000;
const N = 5;
const LINE = /^seq=(\d{9}) x{85}$/;
const MARKER = /^nuwa log: (\d+) lines \((\d+) bytes\) lost here: \S+ could not be written \(no space left on device/;

/**
 * Numbered 100-byte lines at `rate` a second until the `stop` file appears; once `resume` appears, 200 more lines,
 * then the end of input. The last number goes in `done`; how many were written so far in `progress`, as it goes.
 */
const WRITER = `
const fs = require('fs');
const [rate, stop, resume, done, progress] = process.argv.slice(2);
const pad = 'x'.repeat(85);
const start = Date.now();
let seq = 0;
function write(upTo) {
  let text = '';
  for (; seq < upTo; seq++) text += 'seq=' + String(seq).padStart(9, '0') + ' ' + pad + '\\n';
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) {
    try { off += fs.writeSync(1, buf, off); } catch (e) { if (e.code !== 'EAGAIN') throw e; }
  }
}
function tick() {
  // in chunks of 100 lines, the stop file checked between them: behind schedule on a loaded machine, one catch-up
  // write of megabytes would go on long after the scenario said stop
  const target = Math.round(((Date.now() - start) / 1000) * Number(rate));
  while (seq < target) {
    if (fs.existsSync(stop)) return waitResume();
    write(Math.min(seq + 100, target));
  }
  fs.writeFileSync(progress + '.new', String(seq));
  fs.renameSync(progress + '.new', progress); // never read half-written
  setTimeout(tick, 10);
}
function waitResume() {
  if (!fs.existsSync(resume)) return setTimeout(waitResume, 10);
  write(seq + 200);
  fs.writeFileSync(done, String(seq - 1));
}
tick();
`;

/** The largest size of `current` and the largest number of archives seen, every 5 ms, until `stop` appears. */
const SAMPLER = `
const fs = require('fs');
const path = require('path');
const [dir, out, stop] = process.argv.slice(2);
let current = 0, archives = 0;
const t = setInterval(() => {
  try { current = Math.max(current, fs.statSync(path.join(dir, 'current')).size); } catch {}
  try { archives = Math.max(archives, fs.readdirSync(dir).filter((f) => /^@[0-9a-f]{24}\\.[su]$/.test(f)).length); } catch {}
  if (fs.existsSync(stop)) { clearInterval(t); fs.writeFileSync(out, JSON.stringify({ current, archives })); }
}, 5);
`;

interface Outcome {
  work: string;
  /** Archives in time order, then current: name and content. */
  files: Array<{ name: string; text: string }>;
  sampled: { current: number; archives: number };
  lastSeq: number;
  stderr: string;
  status: Record<string, string>;
}

/**
 * Runs `body` (a shell fragment that fills and frees the disk; $D is the tmpfs, $W the work dir, $logger the
 * logger's pid) around a nuwa log fed by the writer, then copies the logdir out before the tmpfs goes.
 */
async function scenario(prefix: string, body: string): Promise<Outcome> {
  requireCommand('unshare', 'util-linux');
  const nuwa = nuwaBinary();
  const work = tempDir(prefix);
  fs.writeFileSync(path.join(work, 'writer.js'), WRITER);
  fs.writeFileSync(path.join(work, 'sampler.js'), SAMPLER);
  const node = process.execPath;
  const script = `
set -e
W="${work}"; D="$W/disk"
mkdir -p "$D"
mount -t tmpfs -o size=1m none "$D"
mkdir "$D/logs"
"${node}" "$W/sampler.js" "$D/logs" "$W/sampled" "$W/stop-sampler" &
sampler=$!
mkfifo "$W/in"
"${nuwa}" log n${N} s${S} "$D/logs" < "$W/in" 2> "$W/stderr" &
logger=$!
"${node}" "$W/writer.js" 20000 "$W/stop" "$W/resume" "$W/last-seq" "$W/progress" > "$W/in" &
writer=$!
# The filler takes whatever is free until unfill, again and again: the logger's own trimming frees an archive's worth
# at each rotation, which a single dd would leave to the logger (it would then never see a full disk for long).
fill() {
  ( while [ ! -e "$W/unfill" ]; do dd if=/dev/zero of="$D/filler" bs=4k oflag=append conv=notrunc 2>/dev/null || true; sleep 0.01; done ) &
  filling=$!
  until [ -s "$D/filler" ]; do sleep 0.01; done
}
unfill() { touch "$W/unfill"; wait $filling; rm "$D/filler"; }
# Until the writer has written $1 more lines (the logger reads them: the pipe blocks the writer otherwise). By volume,
# not by time: on a loaded machine a second of a slow logger may read less than it can hold. (No progress file yet: the
# writer has not started. Under set -e a failed cat here would end the scenario silently with exit 1.)
lines() { n=$(cat "$W/progress" 2>/dev/null || true); echo "\${n:-0}"; }
wait_lines() { until=$(( $(lines) + $1 )); i=0; while [ "$(lines)" -lt $until ] && [ $i -lt 6000 ]; do sleep 0.02; i=$((i+1)); done; }
${body}
wait $writer
set +e
wait $logger
echo "logger=$?" >> "$W/status"
set -e
touch "$W/stop-sampler"
wait $sampler
mkdir "$W/copy"
cp -a "$D/logs/." "$W/copy/"
umount "$D"
`;
  // its own process group: a scenario that fails half-way leaves no writer, sampler or logger behind
  const child = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    process.kill(-(child.pid as number), 'SIGKILL');
  } catch {
    // nothing was left
  }
  if (code !== 0) throw new Error(`scenario failed (${code}): ${err}\nlogger: ${readOr(path.join(work, 'stderr'))}`);
  const copy = path.join(work, 'copy');
  const archives = fs
    .readdirSync(copy)
    .filter((f) => /^@[0-9a-f]{24}\.[su]$/.test(f))
    .sort();
  const status = Object.fromEntries(
    fs
      .readFileSync(path.join(work, 'status'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split('=') as [string, string]),
  );
  return {
    work,
    files: [...archives, 'current'].map((name) => ({ name, text: fs.readFileSync(path.join(copy, name), 'utf8') })),
    sampled: JSON.parse(fs.readFileSync(path.join(work, 'sampled'), 'utf8')) as Outcome['sampled'],
    lastSeq: Number(fs.readFileSync(path.join(work, 'last-seq'), 'utf8')),
    stderr: fs.readFileSync(path.join(work, 'stderr'), 'utf8'),
    status,
  };
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The logdir's lines in order; `marker` is the index of the last marker line (-1: none). */
function parse(outcome: Outcome): { lines: string[]; marker: number } {
  const lines = outcome.files
    .map((f) => f.text)
    .join('')
    .split('\n');
  if (lines.at(-1) === '') lines.pop();
  let marker = -1;
  lines.forEach((line, i) => {
    if (MARKER.test(line)) marker = i;
  });
  return { lines, marker };
}

function seqOf(line: string | undefined): number | undefined {
  const m = LINE.exec(line ?? '');
  return m ? Number(m[1]) : undefined;
}

/** Checks what both scenarios promise: s and n kept, the marker, the newest lines all there after it. */
function assertRecovered(t: ExecutionContext, outcome: Outcome): void {
  const { files, sampled, lastSeq } = outcome;
  t.is(outcome.status.logger, '0', outcome.stderr);
  t.true(sampled.current <= S, `current reached ${sampled.current} bytes (s${S})`);
  for (const f of files) t.true(f.text.length <= S, `${f.name} is ${f.text.length} bytes (s${S})`);
  t.true(files.length - 1 <= N, `${files.length - 1} archives kept (n${N}): ${files.map((f) => f.name).join(' ')}`);
  t.true(sampled.archives <= N + 1, `${sampled.archives} archives at once (n${N}, one more during a rotation)`);

  const { lines, marker } = parse(outcome);
  t.true(marker >= 0, `a marker line says what was lost; stderr: ${outcome.stderr}`);
  const after = lines.slice(marker + 1);
  t.true(after.length > 0, 'lines follow the marker');
  const first = seqOf(after[0]) as number;
  t.deepEqual(
    after,
    Array.from({ length: lastSeq - first + 1 }, (_, i) => `seq=${String(first + i).padStart(9, '0')} ${'x'.repeat(85)}`),
    'after the marker: every line, in order, up to the last one written',
  );
  // The count is exact: the lines missing between the last whole line before the marker and the first after it.
  const before = lines
    .slice(0, marker)
    .map(seqOf)
    .filter((s) => s !== undefined);
  const [, count] = MARKER.exec(lines[marker] as string) as RegExpExecArray;
  if (before.length > 0) t.is(Number(count), first - (before.at(-1) as number) - 1, 'the marker counts the lines missing there');
  // Before the marker, nothing twice and nothing out of order.
  for (let i = 1; i < before.length; i++) t.true((before[i] as number) > (before[i - 1] as number), 'in order before the marker');
}

test('a full disk while lines pour in: rotation and trimming go on, the marker is written, the newest lines are kept', async (t) => {
  // 1 s of lines, then the disk is full for 3 s (~6 MB of lines meanwhile: far more than the logdir keeps). The
  // writer pauses as the space comes back, and writes its last 200 lines once the logger has said it recovered.
  const outcome = await scenario(
    'nuwa-t-log-fill-',
    `
sleep 1
fill
wait_lines 40000
touch "$W/stop"
sleep 0.2
unfill
i=0
until grep -q "writable again" "$W/stderr" || [ $i -ge 1000 ]; do sleep 0.02; i=$((i+1)); done
touch "$W/resume"
`,
  );
  assertRecovered(t, outcome);
  t.is(outcome.stderr.match(/cannot write to/g)?.length, 1, `said once: ${outcome.stderr}`);
  t.regex(outcome.stderr, /writable again after \d+ failed writes; \d+ lines \(\d+ bytes\) were dropped, the oldest first/);
  t.notRegex(outcome.stderr, /input ended while/);
});

test('input that ends while the disk is full is retried before the logger exits, and makes it once space is back', async (t) => {
  // The input ends 1.5 MB of lines after the disk fills; the logger must still be there 1.5 s later, and write the lines it
  // holds once the filler goes.
  const outcome = await scenario(
    'nuwa-t-log-fill-end-',
    `
sleep 1
fill
wait_lines 15000
touch "$W/stop" "$W/resume"
while [ ! -e "$W/last-seq" ]; do sleep 0.02; done
sleep 1.5
if kill -0 $logger 2>/dev/null; then echo "alive=yes" >> "$W/status"; else echo "alive=no" >> "$W/status"; fi
unfill
`,
  );
  t.is(outcome.status.alive, 'yes', `the logger waited for the disk: ${outcome.stderr}`);
  assertRecovered(t, outcome);
  t.regex(
    outcome.stderr,
    /input ended while \S+ cannot be written \(no space left on device[^)]*\); retrying for up to 10 s before exiting/,
  );
  t.notRegex(outcome.stderr, /could not be written before exit/);
});
