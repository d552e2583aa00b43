/**
 * `npm run bench -- --quick` (what CI runs) produces every row of the benchmark: in the table, the JSON, the markdown
 * report and its chart. No timing is asserted here: figures live in bench/results, never in tests.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Results } from '../../bench/report/results';
import { scenarios } from '../../bench/scenarios';
import { nuwaBinary, requireCommand, ROOT, tempDir, toolTmpdir } from '../helpers';

test('bench --quick reports every row, for nuwa and its peer, with a figure or the reason it has none', (t) => {
  nuwaBinary();
  for (const [command, pkg] of [
    ['gcc', 'gcc'],
    ['unshare', 'util-linux'],
    ['setpriv', 'util-linux'],
    ['s6-svscan', 's6'],
    ['tini', 'tini'],
    ['dumb-init', 'dumb-init'],
  ]) {
    requireCommand(command as string, pkg);
  }
  const out = tempDir('nuwa-bench-test-');
  t.teardown(() => fs.rmSync(out, { recursive: true, force: true }));
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--out', out], {
    cwd: ROOT,
    // its scratch folder (nuwa-bench-*) in one of ours: a bench killed by the timeout leaves nothing in the temp dir
    env: { ...process.env, TMPDIR: toolTmpdir() },
    encoding: 'utf8',
    timeout: 240_000,
  });
  t.is(run.status, 0, run.stderr);

  const files = fs.readdirSync(out);
  const json = files.find((f) => f.endsWith('-quick.json'));
  t.truthy(json, `no results JSON in ${out}: ${files.join(' ')}`);
  const results = JSON.parse(fs.readFileSync(path.join(out, json as string), 'utf8')) as Results;
  const stamp = (json as string).replace(/\.json$/, '');
  t.false(files.includes('latest.md'), 'a quick run must not replace latest.md');

  const declared = scenarios.flatMap((s) => s.rows);
  t.deepEqual(
    results.rows.map((r) => r.id),
    declared.map((r) => r.id),
  );
  for (let item = 1; item <= 10; item++)
    t.true(
      declared.some((r) => r.item === item),
      `no row for item ${item} of the issue`,
    );

  const markdown = fs.readFileSync(path.join(out, `${stamp}.md`), 'utf8');
  const svg = fs.readFileSync(path.join(out, `${stamp}.svg`), 'utf8');
  t.true(markdown.includes(`](${stamp}.svg)`), 'the report shows its chart');
  t.regex(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<\/svg>\n$/);

  for (const row of results.rows) {
    t.true(run.stdout.includes(row.title), `row '${row.id}' is missing from the printed table`);
    t.true(markdown.includes(row.title), `row '${row.id}' is missing from the markdown report`);
    t.true(markdown.includes(row.method), `the report does not say how '${row.id}' is measured`);
    for (const [who, outcome] of [
      [row.subject, row.nuwa],
      [row.peer, row.peerResult],
    ] as const) {
      if (outcome.status === 'measured') {
        t.true(outcome.n >= 1 && Number.isFinite(outcome.p50), `${row.id} (${who}) has no usable figure`);
      } else {
        t.true(outcome.reason.length > 0, `${row.id} (${who}) is ${outcome.status} without a reason`);
        t.log(`${row.id} (${who}): ${outcome.status}: ${outcome.reason}`);
      }
    }
    // The peers come from Debian's packages, installed above: each of their rows must carry a figure.
    t.is(row.peerResult.status, 'measured', `${row.id}: the peer (${row.peer}) was not measured: ${JSON.stringify(row.peerResult)}`);
  }
});
