/**
 * The differential harness: one scenario, run once under Debian's real s6-svscan and once under `nuwa svscan`, driven
 * by the same commands, observed the same way — through what a user can see:
 *  - s6-svstat's fields (the pid only as "set or not": pids differ between runs) and its legacy line,
 *  - the event letters a fifodir listener receives (subscribed before the supervisor starts),
 *  - what run and finish were called with (each script journals its arguments),
 *  - which processes run below the scanner (supervisor processes left out: s6 has one per service, nuwa none),
 *  - the death tally as s6-svdt prints it (without timestamps),
 *  - the bytes each logger received.
 * Observations are taken at points defined by conditions (waitFor), never by sleeping, so the two runs compare even
 * though nuwa restarts sooner than s6 (its documented difference).
 */
import type { ExecutionContext } from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { native } from '../../supervisor/src/sys/native';
import { drain, makeFifodir, subscribe, unsubscribe, type Subscription } from '../../supervisor/src/wire/fifodir';
import { NUWA, tempDir, waitFor } from '../helpers';
import { run, startScanner, svstatFields, writeService, type Scanner, type ScannerKind, type ServiceSpec } from '../helpers/s6';

export const FIELDS = ['up', 'wantedup', 'normallyup', 'ready', 'paused', 'pid', 'exitcode', 'signal'] as const;

/** Which tools drive the scenario: Debian's (`s6-svc`, `s6-svscanctl`) or nuwa's (`nuwa svc`, `nuwa svscanctl`). */
export type Driver = 's6' | 'nuwa';

export interface ServiceObservation {
  fields: Record<string, string>;
  /** s6-svstat's legacy line, pid and seconds blanked: it also shows the raw ready flag of a down service. */
  line: string;
  events: string;
  journal: string[];
  deaths: string[];
}

export interface Snapshot {
  label: string;
  services: Record<string, ServiceObservation>;
  processes: string[];
  logged: Record<string, string>;
  /** Other things the scenario observed (e.g. the exit code of a real s6-svwait). */
  notes: Record<string, string>;
}

export interface Scenario {
  /** Service name (`a`, or `a/log` for a logger, written through `log` of its parent) → spec. */
  services: Record<string, ServiceSpec>;
  /** Loggers whose received bytes are observed, by service name (`a` for `a/log`). */
  loggers?: string[];
  /** Services whose run stays a shell (no final exec): the snapshot does not wait for them to exec. */
  shellServices?: string[];
  /** Runs before the scanner starts (e.g. to create FIFOs the scripts block on). */
  prepare?(trial: Trial): void;
  /**
   * Drives the trial; calls `trial.snapshot()` at the points to compare. Wait on event letters (`trial.count`) rather
   * than on s6-svstat: s6 writes the status, then sends the event, so once the letter is seen both are settled.
   */
  steps(trial: Trial): Promise<void>;
}

/** Placeholders scenario scripts may use: replaced by absolute paths of this trial. */
const JOURNAL = '@JOURNAL@';
const LOGGED = '@LOGGED@';
const ROOT = '@ROOT@';

function instrument(body: string, journalFile: string, trial: Trial): string {
  return body.replaceAll(JOURNAL, journalFile).replaceAll(LOGGED, trial.loggedDir).replaceAll(ROOT, trial.root);
}

/** A run script that journals its arguments, then runs `body`. */
export function journaled(body: string): string {
  return `echo "run $*" >> ${JOURNAL}\n${body}`;
}

export function journaledFinish(body = ''): string {
  return `echo "finish $*" >> ${JOURNAL}\n${body}`;
}

/** A logger that appends everything it reads to the observed log of its service. */
export function catLogger(service: string): string {
  return journaled(`exec cat >> ${LOGGED}/${service}`);
}

/** Paths under the trial's root, for scripts that need a scratch file (e.g. a FIFO to trigger readiness). */
export function rootPath(file: string): string {
  return `${ROOT}/${file}`;
}

/** Listener FIFOs in a service's event/ dir. */
function fifos(dir: string): string[] {
  try {
    return fs.readdirSync(path.join(dir, 'event')).filter((f) => f.startsWith('ftrig1:'));
  } catch {
    return [];
  }
}

export class Trial {
  readonly root = tempDir('nuwa-s6diff-');
  readonly scandir = path.join(this.root, 'scan');
  readonly journalDir = path.join(this.root, 'journal');
  readonly loggedDir = path.join(this.root, 'logged');
  readonly snapshots: Snapshot[] = [];
  /** Our own subscription to each service's event/ fifodir, read by polling (no event-loop handle to outlive us). */
  private readonly listeners = new Map<string, { sub: Subscription; events: string }>();
  private readonly moved = new Map<string, string>();
  /** Background processes this trial started (waiters, triggers): stopped with the trial, never left behind. */
  private readonly children: ChildProcess[] = [];
  private scanner: Scanner | undefined;

  constructor(
    readonly kind: ScannerKind,
    readonly driver: Driver,
    private readonly scenario: Scenario,
  ) {
    fs.mkdirSync(this.scandir);
    fs.mkdirSync(this.journalDir);
    fs.mkdirSync(this.loggedDir);
  }

  dir(service: string): string {
    const [top, ...rest] = service.split('/');
    const moved = this.moved.get(top as string);
    return moved ? path.join(moved, ...rest) : path.join(this.scandir, service);
  }

  /** Renames a service dir (e.g. to a dot-name, which the scanner ignores); it stays observable under its old name. */
  moveService(service: string, to: string): void {
    const target = path.join(this.scandir, to);
    fs.renameSync(this.dir(service), target);
    this.moved.set(service, target);
  }

  private journalFile(service: string): string {
    return path.join(this.journalDir, service.replaceAll('/', '_'));
  }

  /** Writes a service dir (and its logger), pre-creates its event fifodir and subscribes to it. */
  addService(name: string, spec: ServiceSpec, where = this.dir(name)): void {
    const file = this.journalFile(name);
    writeService(where, {
      run: instrument(spec.run, file, this),
      ...(spec.finish !== undefined ? { finish: instrument(spec.finish, file, this) } : {}),
      ...(spec.files ? { files: spec.files } : {}),
      ...(spec.log !== undefined ? { log: instrument(spec.log, this.journalFile(`${name}/log`), this) } : {}),
    });
    this.subscribe(name, where);
    if (spec.log !== undefined) this.subscribe(`${name}/log`, path.join(where, 'log'));
  }

  private subscribe(name: string, dir: string): void {
    makeFifodir(path.join(dir, 'event')); // as the supervisor would; it leaves an existing one alone
    this.listeners.set(name, { sub: subscribe(path.join(dir, 'event')), events: '' });
  }

  async start(): Promise<void> {
    for (const [name, spec] of Object.entries(this.scenario.services)) this.addService(name, spec);
    this.scenario.prepare?.(this);
    this.scanner = await startScanner(this.kind, this.scandir);
  }

  async runSteps(): Promise<Snapshot[]> {
    try {
      await this.start();
      await this.scenario.steps(this);
    } finally {
      await this.stop();
    }
    fs.rmSync(this.root, { recursive: true, force: true }); // a failed trial's goes when the test process exits (tempDir)
    return this.snapshots;
  }

  private background(file: string, args: string[]): ChildProcess {
    const child = spawn(file, args, { stdio: 'ignore' });
    this.children.push(child);
    return child;
  }

  async stop(): Promise<void> {
    // A child still running when its test ends would be reaped after the test's worker thread is gone.
    await Promise.all(
      this.children.map((child) => {
        if (child.exitCode !== null || child.signalCode !== null) return undefined;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        return exited;
      }),
    );
    await this.scanner?.stop();
    for (const { sub } of this.listeners.values()) if (sub.fd >= 0) unsubscribe(sub);
    for (const entry of this.listeners.values()) entry.sub = { ...entry.sub, fd: -1 }; // never close an fd twice
  }

  /** Whether the scanner process has exited (after svscanctl -t, or its finish). */
  scannerExited(): boolean {
    const p = this.scanner?.process;
    return p !== undefined && (p.exitCode !== null || p.signalCode !== null);
  }

  /** What the scanner printed (its services' unlogged output too): shown when a trial fails. */
  output(): string {
    return this.scanner?.output() ?? '';
  }

  /** `s6-svc ARGS dir` (or `nuwa svc`), as a user would type it; returns the exit code. */
  svc(service: string, ...args: string[]): number {
    const [file, pre] = this.driver === 's6' ? ['s6-svc', []] : [NUWA, ['svc']];
    const r = run(file, [...pre, ...args, this.dir(service)]);
    if (r.status !== 0) throw new Error(`${this.driver} svc ${args.join(' ')} ${service}: exit ${r.status}: ${r.stderr.trim()}`);
    return r.status;
  }

  svscanctl(...args: string[]): void {
    const [file, pre] = this.driver === 's6' ? ['s6-svscanctl', []] : [NUWA, ['svscanctl']];
    const r = run(file, [...pre, ...args, this.scandir]);
    if (r.status !== 0) throw new Error(`${this.driver} svscanctl ${args.join(' ')}: exit ${r.status}: ${r.stderr.trim()}`);
  }

  /**
   * Starts `s6-svwait ARGS dir…` (or `nuwa svwait`) in the background and resolves with its exit code. `subscribed`
   * resolves once its listener FIFO is in every event/ dir, so what happens next cannot be missed by it.
   */
  svwait(args: string[], services: string[]): { subscribed: Promise<boolean>; exited: Promise<number | null> } {
    const [file, pre] = this.driver === 's6' ? ['s6-svwait', []] : [NUWA, ['svwait']];
    const before = new Map(services.map((s) => [s, fifos(this.dir(s))]));
    const child = this.background(file, [...pre, ...args, ...services.map((s) => this.dir(s))]);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const subscribed = this.until(`${file} ${args.join(' ')} subscribed`, () =>
      services.every((s) => fifos(this.dir(s)).some((f) => !(before.get(s) ?? []).includes(f))),
    );
    return { subscribed, exited };
  }

  /** A FIFO under the trial's root (see rootPath) that a script can block on until trigger() writes a line to it. */
  makeTrigger(file: string): void {
    native().mkfifo(path.join(this.root, file), 0o600);
  }

  /** Writes a line into a trigger FIFO without blocking the test (the writer waits for the script to read). */
  trigger(file: string): void {
    this.background('sh', ['-c', 'echo go > "$1"', 'sh', path.join(this.root, file)]);
  }

  fields(service: string): Record<string, string> {
    if (run('s6-svok', [this.dir(service)]).status !== 0) return { supervised: 'no' };
    const f = svstatFields(this.dir(service), FIELDS);
    return { ...f, pid: f['pid'] === '-1' ? '-1' : 'set' };
  }

  line(service: string): string {
    const r = run('s6-svstat', [this.dir(service)]);
    return (r.status === 0 ? r.stdout : r.stderr)
      .trim()
      .replace(/\(pid \d+\)/, '(pid N)')
      .replace(/\d+ seconds/g, 'N seconds')
      .replaceAll(this.root, '<root>');
  }

  events(service: string): string {
    const entry = this.listeners.get(service);
    if (!entry) return '';
    if (entry.sub.fd >= 0) entry.events += drain(entry.sub);
    return entry.events;
  }

  /** How many times `letter` was seen for `service`. */
  count(service: string, letter: string): number {
    return [...this.events(service)].filter((c) => c === letter).length;
  }

  journal(service: string): string[] {
    try {
      return fs
        .readFileSync(this.journalFile(service), 'utf8')
        .split('\n')
        .filter((l) => l !== '');
    } catch {
      return [];
    }
  }

  deaths(service: string): string[] {
    const r = run('s6-svdt', [this.dir(service)]);
    return r.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.replace(/^@[0-9a-f]{24} /, ''));
  }

  logged(service: string): string {
    try {
      return fs.readFileSync(path.join(this.loggedDir, service), 'latin1');
    } catch {
      return '';
    }
  }

  /** Command lines of every process below the scanner except s6's per-service supervisors. */
  processes(): string[] {
    const lines: string[] = [];
    for (const pid of this.scanner?.tree() ?? []) {
      let argv: string[];
      try {
        argv = fs
          .readFileSync(`/proc/${pid}/cmdline`, 'latin1')
          .split('\0')
          .filter((a) => a !== '');
      } catch {
        continue;
      }
      if (argv.length === 0 || path.basename(argv[0] as string) === 's6-supervise') continue; // zombies have no cmdline
      lines.push(argv.join(' ').replaceAll(this.root, '<root>')); // paths differ between the two trials
    }
    return lines.sort();
  }

  /** Waits for a condition on what the user sees; the message names the trial so a failure says which side hung. */
  until(what: string, check: () => boolean): Promise<boolean> {
    return waitFor(`${this.kind} (driven by ${this.driver} tools): ${what}`, check, { timeoutMs: 30_000 });
  }

  /**
   * Waits until `service` has been started `starts` times (u events) and each start has journaled its arguments.
   * `u` only means run was spawned: a signal sent before the script's first line would kill it unjournaled.
   */
  untilStarted(service: string, starts: number): Promise<boolean> {
    return this.until(
      `${service} started ${starts} times, each journaled`,
      () => this.count(service, 'u') === starts && this.journal(service).filter((l) => l.startsWith('run ')).length === starts,
    );
  }

  /**
   * Waits until every up service has reached its final program: a run script seen between its first line and its
   * `exec` (with a `$(cat …)` child, say) is a moment, not a state, and would make the process lists differ by chance.
   */
  private async settle(services: string[]): Promise<void> {
    const stillStarting = (service: string) => {
      if (this.scenario.shellServices?.includes(service) || run('s6-svok', [this.dir(service)]).status !== 0) return false;
      const f = svstatFields(this.dir(service), ['up', 'pid']);
      if (f['up'] !== 'true') return false;
      try {
        const cmdline = fs.readFileSync(`/proc/${f['pid']}/cmdline`, 'latin1');
        // s6-supervise writes the pid right after fork: until the child execs, it still shows s6-supervise's cmdline
        return cmdline.startsWith('/bin/sh\0./run\0') || path.basename(cmdline.split('\0')[0] as string) === 's6-supervise';
      } catch {
        return false;
      }
    };
    await this.until(`${services.join(', ')} past their run scripts`, () => !services.some(stillStarting));
  }

  /**
   * Records every observable of every listed service (default: all) under `label`, once they are settled.
   * `inRunScript` names services legitimately still inside their run script at this point (blocked on a trigger).
   */
  async snapshot(
    label: string,
    notes: Record<string, string> = {},
    services = [...this.listeners.keys()],
    inRunScript: string[] = [],
  ): Promise<Snapshot> {
    await this.settle(services.filter((s) => !inRunScript.includes(s)));
    const snap: Snapshot = { label, services: {}, processes: this.processes(), logged: {}, notes };
    for (const name of services) {
      snap.services[name] = {
        fields: this.fields(name),
        line: this.line(name),
        events: this.events(name),
        journal: this.journal(name),
        deaths: this.deaths(name),
      };
    }
    for (const name of this.scenario.loggers ?? []) snap.logged[name] = this.logged(name);
    this.snapshots.push(snap);
    return snap;
  }
}

export interface DiffResult {
  s6: Snapshot[];
  nuwa: Snapshot[];
  /** Scanner output of each side, for failure messages. */
  outputs: Record<ScannerKind, string>;
}

/** Runs one trial; a failure carries the scanner's output and the snapshots taken so far. */
export async function runTrial(
  kind: ScannerKind,
  driver: Driver,
  scenario: Scenario,
): Promise<{ snapshots: Snapshot[]; output: string } | Error> {
  const trial = new Trial(kind, driver, scenario);
  try {
    return { snapshots: await trial.runSteps(), output: trial.output() };
  } catch (err) {
    const e = err as Error;
    return new Error(
      `${e.message}\n--- ${kind} scanner output ---\n${trial.output()}\n` +
        `--- snapshots so far ---\n${JSON.stringify(trial.snapshots, null, 1)}`,
    );
  }
}

/** Runs `scenario` under s6-svscan and under nuwa svscan (concurrently: separate scan dirs), both driven by `driver`. */
export async function differential(scenario: Scenario, driver: Driver = 's6'): Promise<DiffResult> {
  const [a, b] = await Promise.all([runTrial('s6', driver, scenario), runTrial('nuwa', driver, scenario)]);
  if (a instanceof Error) throw new Error(`the s6 side of the scenario failed (a harness bug, or the scenario is wrong): ${a.message}`);
  if (b instanceof Error)
    throw new Error(`nuwa diverged (s6 side completed): ${b.message}\n--- s6 snapshots ---\n${JSON.stringify(a.snapshots, null, 1)}`);
  return { s6: a.snapshots, nuwa: b.snapshots, outputs: { s6: a.output, nuwa: b.output } };
}

/**
 * Deliberate, documented differences between Debian's s6 2.11 and nuwa, applied to s6's observations to get what
 * nuwa must show:
 *  - finish gets a 4th argument, the process group of the dead run (s6 2.13+'s calling convention, which
 *    s6-overlay 3.2 users get); nuwa's value is checked to be a number, then compared as "<pgid>".
 */
export function nuwaExpected(s6: Snapshot): Snapshot {
  const copy = structuredClone(s6);
  for (const obs of Object.values(copy.services)) obs.journal = obs.journal.map((l) => (l.startsWith('finish ') ? `${l} <pgid>` : l));
  copy.processes = copy.processes.map((p) => (/\.\/finish \S+ \S+ \S+$/.test(p) ? `${p} <pgid>` : p));
  return copy;
}

export function normalizeNuwa(nuwa: Snapshot): Snapshot {
  const copy = structuredClone(nuwa);
  for (const obs of Object.values(copy.services))
    obs.journal = obs.journal.map((l) => l.replace(/^(finish \S+ \S+ \S+) \d+$/, '$1 <pgid>'));
  copy.processes = copy.processes.map((p) => p.replace(/(\.\/finish \S+ \S+ \S+) \d+$/, '$1 <pgid>'));
  return copy;
}

/** Asserts that nuwa showed, at every snapshot, what s6 showed (modulo the documented differences). */
export function assertSame(t: ExecutionContext, result: DiffResult): void {
  if (process.env.NUWA_S6DIFF_SHOW) t.log(JSON.stringify(result.s6, null, 1)); // what was compared, for a human
  assertMatches(t, result.nuwa, 'nuwa', result.s6, 'nuwa');
}

/** Asserts `actual` (observed under `scanner`) equals the s6 baseline `expected`, snapshot by snapshot. */
export function assertMatches(t: ExecutionContext, actual: Snapshot[], scanner: ScannerKind, expected: Snapshot[], who: string): void {
  t.deepEqual(
    actual.map((s) => s.label),
    expected.map((s) => s.label),
    `${who} reached the same observation points`,
  );
  expected.forEach((base, i) => {
    const got = actual[i] as Snapshot;
    if (scanner === 'nuwa') t.deepEqual(normalizeNuwa(got), nuwaExpected(base), `at "${base.label}" ${who} shows what s6 shows`);
    else t.deepEqual(got, base, `at "${base.label}" ${who} shows what s6 shows`);
  });
}
