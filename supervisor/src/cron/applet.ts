/**
 * `nuwa cron`: a cron daemon built into nuwa, to run supervised like any service (or started by init).
 * `nuwa cron --check` validates crontabs and prints each job's next runs; `nuwa cron --list` shows the schedule.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../cli/errors';
import { logger } from '../sys/logger';
import { envMilliseconds } from '../sys/env';
import { routeSignals } from '../sys/signals';
import { Runner } from './runner';
import { Scheduler } from './scheduler';
import { DEFAULT_SOURCES, formatProblem, loadSources, type Job, type Loaded, type Source } from './sources';
import { formatInZone, localZone } from './zone';
import { watchSources } from './watch';

const log = logger('cron');

const USAGE =
  'nuwa cron [--check | --list] [--system PATH]... [--spool DIR]... [--runs N] [--grace MS] [--state DIR] [--no-watch] [CRONTAB...]';

const HELP = `usage: ${USAGE}

Runs the jobs of /etc/crontab, /etc/cron.d/* and the per-user crontabs in /var/spool/cron/crontabs and
/var/spool/cron, each as its user, logging each run's start, output and exit status. Never starts a job while its
previous run still runs. Reloads when a crontab changes (and on SIGHUP). On SIGTERM/SIGINT it starts nothing new and
lets running jobs finish for the grace time, then stops them.

  --check         check the crontabs and print each job's next runs; exit 1 if a line is wrong
  --list          print the schedule: every job with its next runs
  --system PATH   read PATH (a file, or a directory of files) as system crontabs, with a user field
  --spool DIR     read DIR as per-user crontabs, each named after its user
  CRONTAB         a crontab run as the user nuwa cron runs as (system format if it is /etc/crontab or in a cron.d)
                  Any of these replaces the default places.
  --runs N        how many next runs --check and --list print (default 3)
  --grace MS      at stop, how long running jobs may take (default S6_SERVICES_GRACETIME, else 3000)
  --state DIR     where the marker that @reboot jobs ran is kept (default /run/nuwa)
  --no-watch      do not watch the crontabs for changes

Schedules are read in $TZ (else /etc/localtime) unless a CRON_TZ= line says otherwise.
environment: S6_VERBOSITY, NUWA_LOG_FORMAT, NUWA_SYSLOG, NUWA_SYSLOG_FACILITY (default cron)`;

interface Options {
  mode: 'run' | 'check' | 'list';
  sources: Source[];
  runs: number;
  graceMs: number;
  stateDir: string;
  watch: boolean;
}

function parseOptions(argv: string[]): Options | undefined {
  const sources: Source[] = [];
  let mode: Options['mode'] = 'run';
  let runs = 3;
  let graceMs = envMilliseconds('S6_SERVICES_GRACETIME', 3000, log);
  let stateDir = '/run/nuwa';
  let watch = true;
  const number = (flag: string, value: string | undefined) => {
    if (value === undefined || !/^\d+$/.test(value)) throw new UsageError(`${flag} needs a number; usage: ${USAGE}`);
    return Number(value);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value; usage: ${USAGE}`);
      return v;
    };
    if (arg === '-h' || arg === '--help') {
      process.stdout.write(`${HELP}\n`);
      return undefined;
    } else if (arg === '--check') mode = 'check';
    else if (arg === '--list') mode = 'list';
    else if (arg === '--system') sources.push({ path: value(), kind: 'system' });
    else if (arg === '--spool') sources.push({ path: value(), kind: 'spool' });
    else if (arg === '--runs') runs = number(arg, argv[++i]);
    else if (arg === '--grace') graceMs = number(arg, argv[++i]);
    else if (arg === '--state') stateDir = value();
    else if (arg === '--no-watch') watch = false;
    else if (arg === '--') {
      for (const file of argv.slice(i + 1)) sources.push({ path: file, kind: 'user' });
      break;
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}; usage: ${USAGE}`);
    else sources.push({ path: arg, kind: 'user' });
  }
  return { mode, sources: sources.length > 0 ? sources : [...DEFAULT_SOURCES], runs, graceMs, stateDir, watch };
}

/** `--check` / `--list`: one block per job, problems on stderr. */
function printSchedule(loaded: Loaded, runs: number): void {
  const now = Date.now();
  const out: string[] = [];
  for (const job of loaded.jobs) {
    const where = `${job.file}:${job.line}`;
    out.push(`${where}  ${job.account.name}  ${job.when}  (${job.zone})  ${job.command}`);
    if (!job.schedule) out.push('    runs once when nuwa cron first starts in this container (@reboot)');
    else {
      const next = job.schedule.nextRuns(now, runs);
      out.push(next.length > 0 ? `    next: ${next.map((t) => formatInZone(job.zone, t)).join(', ')}` : '    never runs (no date matches)');
    }
  }
  if (loaded.jobs.length === 0) out.push('no jobs');
  process.stdout.write(`${out.join('\n')}\n`);
}

function report(loaded: Loaded): void {
  for (const problem of loaded.problems) {
    if (problem.warning) log.warn(formatProblem(problem));
    else log.error(formatProblem(problem));
  }
}

/** @reboot jobs run once per container start: the marker lives on /run, which a container start empties. */
function firstStart(stateDir: string): boolean {
  const marker = path.join(stateDir, 'cron.reboot');
  try {
    fs.mkdirSync(stateDir, { recursive: true });
    fs.writeFileSync(marker, `${process.pid}\n`, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    log.warn(`cannot keep the @reboot marker in ${stateDir} (${(err as Error).message}); running @reboot jobs now`);
    return true;
  }
}

export async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  if (!options) return 0;
  const zone = localZone();
  if (options.mode !== 'run') {
    const loaded = loadSources(options.sources, zone);
    for (const problem of loaded.problems)
      process.stderr.write(`nuwa cron: ${problem.warning ? 'warning: ' : ''}${formatProblem(problem)}\n`);
    printSchedule(loaded, options.runs);
    return loaded.problems.some((p) => !p.warning) ? 1 : 0;
  }
  return run(options, zone);
}

async function run(options: Options, zone: string): Promise<number> {
  // Signals first: a stop that arrives while crontabs load must not kill us with jobs half started.
  let stopRequested: NodeJS.Signals | undefined;
  let reloadRequested = false;
  let onStop = (signal: NodeJS.Signals): void => {
    stopRequested = signal;
  };
  let onReload = (): void => {
    reloadRequested = true;
  };
  const unroute = routeSignals({
    SIGTERM: (s) => onStop(s),
    SIGINT: (s) => onStop(s),
    SIGQUIT: (s) => onStop(s),
    SIGHUP: () => onReload(),
    SIGUSR2: () => onReload(),
  });

  const { setupSupervisorLog, flushSupervisorLog } = await import('../sys/supervisor-log');
  setupSupervisorLog({ facility: 'cron' });
  const runner = new Runner();
  const scheduler = new Scheduler((job, why) => void runner.start(job, why));

  // Watched before they are read: a change after the read is then always seen. Until the read, a change needs no
  // reload (the read sees it).
  let reload = (_why: string): void => {};
  const watcher = options.watch && !stopRequested ? await watchSources(options.sources, () => reload('a crontab changed')) : undefined;
  let loaded = loadSources(options.sources, zone);
  report(loaded);
  log.info(`${loaded.jobs.length} jobs loaded (schedules in ${zone} unless CRON_TZ says otherwise)`);
  scheduler.setJobs(loaded.jobs);
  reload = (why: string) => {
    loaded = loadSources(options.sources, zone);
    report(loaded);
    scheduler.setJobs(loaded.jobs);
    log.info(`reloaded (${why}): ${loaded.jobs.length} jobs`);
  };

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      scheduler.stop();
      await watcher?.close();
      if (runner.active > 0) {
        log.info(`${signal}: starting no new job; waiting up to ${options.graceMs} ms for ${runner.active} running`);
        if (!(await runner.idle(options.graceMs))) {
          log.warn('grace time over: stopping the jobs still running (SIGTERM, then SIGKILL after 2 s)');
          runner.signalAll('SIGTERM');
          if (!(await runner.idle(2000))) {
            runner.signalAll('SIGKILL');
            await runner.idle(1000);
          }
        }
      }
      unroute();
      await flushSupervisorLog();
      resolve(0);
    };
    onStop = (signal) => void stop(signal);
    onReload = () => {
      reload('SIGHUP');
    };
    if (stopRequested) {
      void stop(stopRequested);
      return;
    }
    scheduler.start();
    if (firstStart(options.stateDir)) for (const job of loaded.jobs.filter((j: Job) => !j.schedule)) void runner.start(job, ' (@reboot)');
    if (reloadRequested) reload('SIGHUP');
  });
}
