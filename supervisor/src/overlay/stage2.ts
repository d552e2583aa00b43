/**
 * Stage 2 (s6-overlay's rc.init): S6_STAGE2_HOOK; the s6-rc tree (the user's source dirs and s6-overlay's built-ins)
 * is read and checked, every problem printed; the `top` bundle comes up: fix-attrs, cont-init.d, the `user` bundle,
 * services.d, `user2`. Then CMD, whose exit status becomes the container's; without CMD the container runs until
 * told to stop. Every way out of stage 2 ends in a halt request, which starts stage 3.
 */
import type { StdioOptions } from 'node:child_process';
import * as fs from 'node:fs';
import { ServiceManager } from '../rc/engine';
import { formatProblem } from '../rc/problems';
import { logger, setVerbosity } from '../sys/logger';
import { writeBootProgress } from '../wire/boot-progress';
import { findProgram, runProgram } from '../sys/run-program';
import type { BootState } from './boot-state';
import { bootProblems } from './check';
import { startCmd, stdinTerminal } from './cmd';
import { printContEnv } from './container-env';
import type { BootContext } from './context';
import { writeExitCode } from './exit-code';
import { CMDPID_FILE, CONTAINER_ENV, SCANDIR, configDirs } from './paths';
import { absentScanner, startTreeScanner } from './scanner';
import { readSettings, type OverlaySettings } from './settings';
import { installLongruns, makeTransitions } from './transitions';
import { loadTree, TOP } from './tree';

const log = logger('init');
const stage2log = logger('rc.init');

/** Runs stage 2; resolves when it is over (CMD ended, the boot failed or the halt came first). */
export async function stage2(state: BootState, command: readonly string[]): Promise<void> {
  writeBootProgress('booting');
  try {
    // Settings are read again from the container environment: cont-init scripts may change it.
    const lookup = (name: string) => printContEnv(name, state.bootEnv, CONTAINER_ENV);
    let settings = readSettings(lookup);
    setVerbosity(settings.verbosity);
    if (settings.stage2Hook) {
      await runHook(state, settings.stage2Hook);
      if (state.halting) return;
      settings = readSettings(lookup);
    }
    const code = await bringUpTree(state, settings);
    if (state.halting) return;
    writeBootProgress(code === 0 ? 'up' : `failed ${code}`);
    settings = readSettings(lookup);
    if (state.ctx) state.ctx.settings = settings;
    if (code !== 0 && settings.stage2Policy >= 1) {
      stage2log.warn('s6-rc failed to properly bring all the services up! Check the messages above.');
      if (settings.stage2Policy >= 2) {
        stage2log.error('stopping the container.');
        writeExitCode(code);
        return state.requestHalt('halt');
      }
    }
    if (command.length > 0) await runCmd(state, command, settings);
  } catch (err) {
    log.error(`stage 2 failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    writeExitCode(111);
    state.requestHalt('halt');
  } finally {
    state.rcReady.resolve(state.manager);
  }
}

/**
 * S6_STAGE2_HOOK. Its failure is only a warning, whatever S6_BEHAVIOUR_IF_STAGE2_FAILS says: s6-overlay's rc.init
 * runs it under `set +e` and goes on (seen under the real s6-overlay 3.1.5.0, test/overlay-diff/env.test.ts).
 */
async function runHook(state: BootState, hook: string): Promise<void> {
  const words = hook.split(/[ \t\n]+/).filter(Boolean);
  const result = await runProgram(words, { env: state.treeEnv, abort: state.stopping.signal, log: stage2log, what: 'S6_STAGE2_HOOK' });
  if (result.spawnError) stage2log.error(result.spawnError);
  if (result.code !== 0) stage2log.warn(`hook ${hook} exited ${result.code}`);
}

/** Reads the tree, starts the scanner and brings `top` up. s6-rc's code for the change (1 when the tree had errors). */
async function bringUpTree(state: BootState, settings: OverlaySettings): Promise<number> {
  const dirs = configDirs(settings);
  const execlineb = findProgram('execlineb', state.path);
  const tree = loadTree(dirs, execlineb);
  const problems = bootProblems(tree, dirs);
  for (const p of problems) (p.warning ? stage2log.warn : stage2log.error)(formatProblem(p));

  const needsScanner = [...tree.graph.atoms.values()].some((a) => a.def.type === 'longrun') || fs.existsSync(dirs.services);
  let scanner;
  try {
    scanner = await startTreeScanner(SCANDIR, state.treeEnv, state.original.NUWA_SCANNER);
  } catch (err) {
    if (needsScanner) stage2log.error(`${(err as Error).message}: longruns and services.d cannot start`);
    scanner = absentScanner(SCANDIR);
  }
  state.scanner = scanner;
  void scanner.ended.then(() => {
    if (state.halting) return;
    log.info('the supervision tree was told to stop (s6-svscanctl -t): halting');
    state.requestHalt('halt');
  });
  const ctx: BootContext = {
    settings,
    dirs,
    treeEnv: state.treeEnv,
    scanner,
    execlineb,
    stopping: state.stopping.signal,
    legacyStarted: [],
  };
  state.ctx = ctx;
  await installLongruns(ctx, tree.graph, '/bin/sh');
  const manager = new ServiceManager(tree.graph, makeTransitions(ctx, tree.graph));
  state.manager = manager;
  const code: number = await manager.up([TOP], { timeoutMs: settings.cmdWaitForServicesMaxTime, abort: state.stopping.signal });
  state.rcReady.resolve(manager);
  return code === 0 && problems.some((p) => !p.warning) ? 1 : code;
}

/** CMD: its exit code becomes the container's, and its end halts the container. */
async function runCmd(state: BootState, command: readonly string[], settings: OverlaySettings): Promise<void> {
  const { catchAll } = state;
  state.receiveSignals = settings.cmdReceiveSignals;
  // S6_LOGGING=1: CMD keeps the console; 2: CMD goes to the catch-all logger too, unless it may use the terminal.
  const tty = catchAll && settings.cmdUseTerminal ? stdinTerminal() : undefined;
  const stdio: StdioOptions | undefined = tty
    ? ['inherit', fs.openSync(tty, 'w'), fs.openSync(tty, 'w')]
    : catchAll && state.early.logging === 1
      ? ['inherit', catchAll.console, catchAll.console]
      : undefined;
  const env = settings.keepEnv ? { ...state.original, PATH: state.path } : state.treeEnv;
  const started = await startCmd(command, { env, cwd: state.workdir, arg0: settings.cmdArg0, stdio });
  if ('failed' in started) {
    writeExitCode(started.failed);
    return state.requestHalt('halt');
  }
  if (state.halting) return;
  state.cmd = started;
  if (state.receiveSignals) fs.writeFileSync(CMDPID_FILE, `${started.pid}\n`);
  const code = await started.code;
  fs.rmSync(CMDPID_FILE, { force: true });
  state.cmd = undefined;
  if (state.halting) return; // the container was already stopping: the exit code is what the halt said
  writeExitCode(code);
  state.requestHalt('halt');
}
