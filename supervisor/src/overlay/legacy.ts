/**
 * s6-overlay's legacy pieces, run as the built-in oneshots of the `base` bundle and `legacy-services`:
 *  - cont-init.d: every entry, in byte order, executed one after the other; a nonzero exit is a stage-2 failure;
 *  - cont-finish.d: the same at shutdown, each limited to S6_KILL_FINISH_MAXTIME, failures ignored;
 *  - services.d: each directory copied to /run/s6/legacy-services, linked into /run/service and supervised at once;
 *    with S6_CMD_WAIT_FOR_SERVICES the boot waits for them to be up (ready, for those with notification-fd).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { logger } from '../sys/logger';
import type { BootContext } from './context';
import { checkExecutable } from '../rc/executable';
import { LEGACY_SERVICES, SCANDIR } from './paths';
import { Problems, formatProblem } from '../rc/problems';
import { describeResult, runProgram } from '../sys/run-program';
import { sleep } from '../sys/timer';
import { subscribe, waitForState, type WaitOutcome } from '../rc/service-state';
import { linkService, materializeLegacy } from '../rc/servicedirs';

/** Entries of `dir` as s6-ls | s6-sort lists them: no dotfiles, byte order. Missing dir: none. */
export function scriptsIn(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => !n.startsWith('.')).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

async function runScripts(ctx: BootContext, dir: string, component: 'cont-init' | 'cont-finish', timeoutMs: number): Promise<boolean> {
  const log = logger(component);
  let allOk = true;
  for (const name of scriptsIn(dir)) {
    const file = path.join(dir, name);
    const problems = new Problems();
    if (!checkExecutable(file, problems)) {
      for (const p of problems.errors) log.error(formatProblem(p));
      allOk = false;
      continue;
    }
    log.info(`running ${file}`);
    const result = await runProgram([file], {
      env: ctx.treeEnv,
      log,
      what: file,
      timeoutMs,
      timeoutSignal: 'SIGKILL', // s6-maximumtime -k
      abort: component === 'cont-init' ? ctx.stopping : undefined,
    });
    if (result.spawnError) log.error(result.spawnError);
    log.info(`${file} ${describeResult(result)}`);
    if (result.code !== 0) allOk = false;
    if (result.aborted) return false;
  }
  return allOk;
}

/** legacy-cont-init up. */
export async function contInit(ctx: BootContext): Promise<boolean> {
  const ok = await runScripts(ctx, ctx.dirs.contInit, 'cont-init', 0);
  if (ok || ctx.stopping.aborted) return ok;
  const policy = ctx.settings.stage2Policy;
  if (policy >= 1) logger('cont-init').warn('some scripts exited nonzero');
  return policy < 2;
}

/** legacy-cont-init down: always succeeds. */
export async function contFinish(ctx: BootContext): Promise<boolean> {
  await runScripts(ctx, ctx.dirs.contFinish, 'cont-finish', ctx.settings.killFinishMaxTime);
  return true;
}

/** The services.d directories, in byte order. */
export function legacyServiceNames(dir: string): string[] {
  return scriptsIn(dir).filter((n) => isDirectory(path.join(dir, n)));
}

/** What keeps each /etc/services.d service from starting: run (and log/run) must be executable programs. */
export function legacyServiceProblems(dir: string, root?: string): Problems {
  const problems = new Problems();
  for (const name of legacyServiceNames(dir)) {
    const source = path.join(dir, name);
    checkExecutable(path.join(source, 'run'), problems, name, root);
    if (isDirectory(path.join(source, 'log'))) checkExecutable(path.join(source, 'log', 'run'), problems, name, root);
  }
  return problems;
}

/** legacy-services up. */
export async function servicesUp(ctx: BootContext): Promise<boolean> {
  const log = logger('services-up');
  fs.rmSync(LEGACY_SERVICES, { recursive: true, force: true });
  fs.mkdirSync(LEGACY_SERVICES, { recursive: true, mode: 0o755 });
  const names: string[] = [];
  const broken: string[] = [];
  const unusable = new Set(legacyServiceProblems(ctx.dirs.services).errors.map((p) => p.service));
  for (const name of legacyServiceNames(ctx.dirs.services)) {
    const source = path.join(ctx.dirs.services, name);
    if (unusable.has(name)) {
      log.error(`not starting ${name}: ${source} has problems (reported at boot)`);
      broken.push(name);
      continue;
    }
    const notifies = fs.existsSync(path.join(source, 'notification-fd'));
    log.info(`copying legacy longrun ${name}${notifies ? '' : ' (no readiness notification)'}`);
    materializeLegacy(source, path.join(LEGACY_SERVICES, name));
    names.push(name);
  }
  // Subscribe before the rescan so that no supervisor start is missed.
  const live = names.map((name) => path.join(LEGACY_SERVICES, name));
  const listeners = live.map((dir) => subscribe(dir));
  for (const name of names) linkService(SCANDIR, name, path.join(LEGACY_SERVICES, name));
  ctx.legacyStarted.push(...names);
  ctx.scanner.rescan();
  if (!ctx.settings.cmdWaitForServices || names.length === 0) {
    for (const l of listeners) l.close();
    return verdict(ctx, log, broken);
  }
  await sleep(ctx.settings.servicesReadyTime);
  const outcomes: WaitOutcome[] = await Promise.all(
    live.map((dir, k) => {
      const want = fs.existsSync(path.join(dir, 'notification-fd')) ? 'ready' : 'up';
      return waitForState(dir, want, listeners[k] as ReturnType<typeof subscribe>, {
        timeoutMs: ctx.settings.cmdWaitForServicesMaxTime,
        abort: ctx.stopping,
        log,
        what: names[k],
        supervised: ctx.scanner.supervises,
      });
    }),
  );
  return verdict(ctx, log, [...broken, ...names.filter((_, k) => outcomes[k] !== 'ok')]);
}

/** The stage-2 failure policy applied to the services that did not start. */
function verdict(ctx: BootContext, log: ReturnType<typeof logger>, failed: string[]): boolean {
  if (failed.length === 0) return true;
  const policy = ctx.settings.stage2Policy;
  if (policy >= 1) log.warn(`some legacy longruns failed to start: ${failed.join(' ')}`);
  return policy < 2;
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** legacy-services down: unlink them, let the scanner stop them, wait up to S6_SERVICES_GRACETIME. */
export async function servicesDown(ctx: BootContext): Promise<boolean> {
  const log = logger('legacy-services');
  const names = ctx.legacyStarted.splice(0);
  if (names.length === 0) return true;
  log.info('bringing all services down');
  const dirs: string[] = [];
  for (const name of names) {
    const dir = path.join(LEGACY_SERVICES, name);
    dirs.push(dir);
    if (fs.existsSync(path.join(dir, 'log'))) dirs.push(path.join(dir, 'log'));
  }
  // The waits take each service's state before the prune: once pruned, a service is no longer in the scanner's list,
  // and a wait that started then would see it as down at once, while its finish script still runs (cont-finish.d,
  // which comes next, must not start before those finish scripts are done: s6-overlay's `s6-svwait -D`).
  const waits = dirs.map((dir) =>
    waitForState(dir, 'down', subscribe(dir), { timeoutMs: ctx.settings.servicesGraceTime, supervised: ctx.scanner.supervises }),
  );
  for (const name of names) fs.rmSync(path.join(SCANDIR, name), { force: true });
  ctx.scanner.prune();
  const outcomes = await Promise.all(waits);
  const late = dirs.filter((_, k) => outcomes[k] !== 'ok');
  if (late.length > 0) log.warn(`still running after S6_SERVICES_GRACETIME=${ctx.settings.servicesGraceTime} ms: ${late.join(' ')}`);
  log.info('done');
  return true;
}
