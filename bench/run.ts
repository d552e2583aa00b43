/**
 * `npm run bench [-- --quick] [--only NAME,…] [--out DIR]`: nuwa side by side with s6, tini and dumb-init, measured
 * in one run on one machine. Prints a table, writes DIR/<date>.json, DIR/<date>.md and DIR/<date>.svg (DIR defaults
 * to bench/results/runs, git-ignored; a full run of every scenario also replaces bench/results/latest.*, the one run
 * the repository keeps).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { trackDir } from './lib/cleanup';
import type { Context } from './lib/context';
import { buildFloor, runtimeVersion, useContainerEnv } from './lib/floor';
import { buildProbes } from './lib/probes';
import { Recorder, reportOutcome, rowReport, type RowReport } from './lib/rows';
import { debianVersion, nuwaInfo, ROOT } from './lib/subjects';
import { renderTable } from './report/table';
import { writeResults, type Machine, type Results, type ScenarioRun } from './report/results';
import { scenarios } from './scenarios';

interface Options {
  quick: boolean;
  only?: Set<string>;
  /** Where every file of the run goes; default: bench/results/runs/ (and bench/results/latest.* for a full run). */
  out?: string;
}

const USAGE = `usage: npm run bench -- [--quick] [--only NAME,...] [--out DIR]
  --quick   a few samples of every row (under a minute; what CI runs)
  --only    run only these scenarios: ${scenarios.map((s) => s.name).join(', ')}
  --out     where results go (default: bench/results/runs/, git-ignored; a complete full run also
            replaces bench/results/latest.*)`;

function parse(argv: string[]): Options {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { quick: { type: 'boolean' }, only: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${USAGE}`, { cause: err });
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const options: Options = { quick: values.quick ?? false, out: values.out === undefined ? undefined : path.resolve(values.out) };
  if (values.only !== undefined) {
    options.only = new Set(values.only.split(','));
    const unknown = [...options.only].filter((name) => !scenarios.some((s) => s.name === name));
    if (unknown.length) throw new Error(`--only: no scenario named ${unknown.join(', ')}\n${USAGE}`);
  }
  return options;
}

function machine(nuwaVersion: string, loadAtStart: number, environment: string): Machine {
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryMB: Math.round(os.totalmem() / 2 ** 20),
    kernel: os.release(),
    node: `${runtimeVersion()} in dist/nuwa (the bench ran on ${process.version})`,
    environment,
    nuwa:
      `${nuwaVersion.replace(/^nuwa /, '') || 'missing'} (git ${git(['rev-parse', '--short', 'HEAD']) || '?'}` +
      `${git(['status', '--porcelain', '--', 'supervisor']) ? ', supervisor/ modified' : ''})`,
    s6: debianVersion('s6'),
    tini: debianVersion('tini'),
    dumbInit: debianVersion('dumb-init'),
    reclaim: proactiveReclaim(),
    load: { start: loadAtStart, end: os.loadavg()[0] as number },
  };
}

/** Whether the kernel runs DAMON with a pageout scheme: it pages out memory left untouched, shrinking idle RSS. */
function proactiveReclaim(): string {
  const base = '/sys/kernel/mm/damon/admin/kdamonds';
  const read = (file: string) => {
    try {
      return fs.readFileSync(file, 'utf8').trim();
    } catch {
      return '';
    }
  };
  const list = (dir: string) => {
    try {
      return fs.readdirSync(dir).filter((n) => /^\d+$/.test(n));
    } catch {
      return [];
    }
  };
  for (const k of list(base)) {
    if (read(`${base}/${k}/state`) !== 'on') continue;
    for (const c of list(`${base}/${k}/contexts`)) {
      for (const s of list(`${base}/${k}/contexts/${c}/schemes`)) {
        if (read(`${base}/${k}/contexts/${c}/schemes/${s}/action`) === 'pageout') return 'DAMON pageout';
      }
    }
  }
  return 'none detected';
}

function clock(startedAt: number): string {
  const s = Math.round((Date.now() - startedAt) / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

async function main(): Promise<number> {
  const options = parse(process.argv.slice(2));
  const startedAt = Date.now();
  const loadAtStart = os.loadavg()[0] as number;
  const scratch = trackDir(fs.mkdtempSync(path.join(os.tmpdir(), 'nuwa-bench-')));
  // before anything is started: every subject gets a container's environment, not the caller's
  const environment = useContainerEnv();
  const chosen = scenarios.filter((s) => !options.only || options.only.has(s.name));
  const nuwa = nuwaInfo(scratch);
  const total = chosen.reduce((sum, s) => sum + s.fullSeconds, 0);
  process.stderr.write(
    `bench: ${options.quick ? 'quick run' : `full run (about ${Math.ceil(total / 60)} min)`}, ` +
      `${chosen.length} scenarios; scratch ${scratch}\n`,
  );
  if (nuwa.missing) process.stderr.write(`bench: ${nuwa.missing}: nuwa rows will say so\n`);

  const probes = buildProbes(scratch);
  const floor = await buildFloor(scratch);
  if (floor.missing) process.stderr.write(`bench: ${floor.missing}: floor rows will say so\n`);
  let current = '';
  const ctx: Context = {
    quick: options.quick,
    scratch,
    probes,
    nuwa,
    floor,
    progress: (message) => process.stderr.write(`bench [${clock(startedAt)}] ${current}: ${message}\n`),
    n: (quick, full) => (options.quick ? quick : full),
  };

  const reports: RowReport[] = [];
  const runs: ScenarioRun[] = [];
  for (const [k, scenario] of chosen.entries()) {
    const began = Date.now();
    const loadBefore = os.loadavg()[0] as number;
    current = scenario.name;
    process.stderr.write(
      `bench [${clock(startedAt)}] (${k + 1}/${chosen.length}) ${scenario.name}${options.quick ? '' : ` (~${scenario.fullSeconds} s)`}\n`,
    );
    const recorder = new Recorder(new Set(scenario.rows.map((r) => r.id)));
    let crash: string | undefined;
    try {
      await scenario.run(ctx, recorder);
    } catch (err) {
      crash = `scenario '${scenario.name}' failed: ${err instanceof Error ? err.message : String(err)}`;
      ctx.progress(crash);
    }
    for (const spec of scenario.rows) {
      const slot = recorder.outcomes.get(spec.id);
      const missing = crash ?? `scenario '${scenario.name}' ended without measuring this`;
      reports.push(rowReport(spec, reportOutcome(slot?.nuwa, missing), reportOutcome(slot?.peer, missing)));
    }
    runs.push({ name: scenario.name, seconds: Math.round((Date.now() - began) / 1000), load: [loadBefore, os.loadavg()[0] as number] });
  }

  const results: Results = {
    date: new Date().toISOString(),
    quick: options.quick,
    scenarios: runs,
    durationSeconds: Math.round((Date.now() - startedAt) / 1000),
    machine: machine(nuwa.version, loadAtStart, environment),
    rows: reports,
  };
  process.stdout.write(`${renderTable(reports)}\n`);
  // Only a complete full run replaces the one run the repository keeps (bench/results/latest.*); every run is also
  // kept under runs/ (git-ignored), or in --out DIR.
  const complete = !options.quick && chosen.length === scenarios.length;
  const kept = options.out ?? path.join(ROOT, 'bench/results');
  const written = writeResults(results, { runs: options.out ?? path.join(kept, 'runs'), latest: complete ? kept : undefined });
  process.stderr.write(`bench [${clock(startedAt)}] done: ${written.join(', ')}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
