/**
 * Runs cron jobs: each as its user (uid/gid from /etc/passwd, supplementary groups from /etc/group: see groups.ts),
 * with its environment, in its home directory, in its own process group (so a stop reaches the whole job), through
 * the spawner. A job is never started while its previous run still runs; that is said in the log. Output lines are
 * logged tagged with the job's id.
 */
import * as fs from 'node:fs';
import { isDirectory } from '../sys/files';
import { spawn } from '../sys/spawner';
import { shellExitCode, signalName, type Termination } from '../sys/wait-status';
import { LineSplitter } from '../sys/lines';
import { logger } from '../sys/logger';
import { sleep } from '../sys/timer';
import { Launcher } from './groups';
import type { Job } from './sources';

const log = logger('cron');

/** Output lines longer than this are cut, as nuwa log does: a job cannot make cron hold unbounded memory. */
const LINE_LIMIT = 8192;

interface Run {
  pid: number;
  started: number;
  exited: Promise<Termination>;
}

/**
 * Whether a job of `uid` can run in `home`: a directory, and, when the job runs as nuwa cron's own account, one it may
 * enter (an image's `ENV HOME=/root` under `podman run --user 1000`); for another account it cannot be checked from
 * here. A home it cannot use means `/`, as a missing one does (cron(8) fails the job instead): otherwise the spawn
 * fails, and Node names the shell, not the directory, as what could not be used.
 */
function canEnter(home: string, uid: number): boolean {
  if (!isDirectory(home)) return false;
  if (uid !== (process.getuid?.() ?? 0)) return true;
  try {
    fs.accessSync(home, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export class Runner {
  private readonly running = new Map<string, Run>();
  /** Jobs already warned that they run without their supplementary groups: once per job, not at every run. */
  private readonly warned = new Set<string>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly launcher = new Launcher(),
  ) {}

  get active(): number {
    return this.running.size;
  }

  /** Starts `job` unless its previous run is still going. */
  async start(job: Job, why = ''): Promise<void> {
    const previous = this.running.get(job.key);
    if (previous) {
      const since = Math.round((this.now() - previous.started) / 1000);
      log.warn(`job ${job.id} not started: its previous run (pid ${previous.pid}, started ${since} s ago) is still running`);
      return;
    }
    const cwd = canEnter(job.account.home, job.account.uid) ? job.account.home : '/';
    // Taken before the first await: a second start in the same tick sees the job as running.
    const run: Run = { pid: 0, started: this.now(), exited: new Promise<Termination>(() => undefined) };
    this.running.set(job.key, run);
    let spawned;
    try {
      const launch = await this.launcher.launch(job);
      if (launch.without && !this.warned.has(job.key)) {
        this.warned.add(job.key);
        const { groups, reason } = launch.without;
        log.warn(`job ${job.id} runs as ${job.account.name} without its supplementary groups (gid ${groups.join(', ')}): ${reason}`);
      }
      spawned = await spawn(launch.file, launch.args, {
        cwd,
        env: launch.env,
        uid: launch.uid,
        gid: launch.gid,
        detached: true, // its own session and process group: the stop at shutdown reaches the whole job
        stdio: [job.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
    } catch (err) {
      this.running.delete(job.key);
      log.error(`job ${job.id} could not start: ${(err as Error).message}`);
      return;
    }
    const { child, pid } = spawned;
    run.pid = pid;
    run.exited = spawned.exited;
    log.info(`job ${job.id} started${why} as ${job.account.name} (pid ${pid}): ${job.command}`);
    if (job.input !== undefined && child.stdin) {
      child.stdin.on('error', () => undefined); // a job that does not read its input is not an error
      child.stdin.end(job.input);
    }
    const stdout = tagLines(child.stdout, (line) => log.info(`${job.id}: ${line}`));
    const stderr = tagLines(child.stderr, (line) => log.warn(`${job.id}: ${line}`));
    const termination = await spawned.exited;
    await Promise.all([stdout, stderr]);
    this.running.delete(job.key);
    const seconds = ((this.now() - run.started) / 1000).toFixed(1);
    const code = shellExitCode(termination);
    const how = termination.signal !== null ? `was killed by ${signalName(termination.signal)}` : `exited ${code}`;
    if (code === 0) log.info(`job ${job.id} ${how} after ${seconds} s`);
    else log.warn(`job ${job.id} ${how} after ${seconds} s`);
  }

  /** Sends `signal` to the process group of every running job. */
  signalAll(signal: NodeJS.Signals): void {
    for (const run of this.running.values()) {
      if (run.pid <= 0) continue; // still starting; kill(-0) would signal our own group
      try {
        process.kill(-run.pid, signal);
      } catch {
        // the group is already gone
      }
    }
  }

  /** Resolves when no job runs any more, or after `ms`; true when none runs. */
  async idle(ms: number): Promise<boolean> {
    const all = Promise.all([...this.running.values()].filter((r) => r.pid > 0).map((r) => r.exited));
    const timeout = new AbortController();
    await Promise.race([all, sleep(ms, { signal: timeout.signal })]);
    timeout.abort();
    // Let the exit bookkeeping (output flush, log line) of the last runs happen.
    await new Promise((resolve) => setImmediate(resolve));
    return this.running.size === 0;
  }
}

/** Calls `emit` for each line of `stream`; resolves at its end. */
function tagLines(stream: NodeJS.ReadableStream | null, emit: (line: string) => void): Promise<void> {
  if (!stream) return Promise.resolve();
  const splitter = new LineSplitter(LINE_LIMIT);
  return new Promise((resolve) => {
    stream.on('data', (chunk: Buffer) => {
      for (const line of splitter.push(chunk)) emit(line.toString('utf8'));
    });
    stream.on('error', () => resolve());
    stream.on('end', () => {
      const last = splitter.end();
      if (last) emit(last.toString('utf8'));
      resolve();
    });
  });
}
