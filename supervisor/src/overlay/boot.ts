/**
 * `nuwa init [CMD…]` for an s6-overlay v3 image: the boot and shutdown sequence of s6-overlay's stages, in one
 * process.
 *
 *   stage 0/1  PATH gets /command, /usr/bin, /bin; /run is prepared; the environment is dumped to
 *              /run/s6/container_environment; the supervision tree starts on /run/service.
 *   stage 2    S6_STAGE2_HOOK; the s6-rc tree (user's source dirs + s6-overlay's built-ins) is read and checked,
 *              every problem printed; the `top` bundle comes up: fix-attrs, cont-init.d, the `user` bundle,
 *              services.d, `user2`. Then CMD, whose exit status becomes the container's; without CMD the container
 *              runs until told to stop.
 *   stage 3    on CMD's exit, `halt`, or a signal: every service goes down in reverse dependency order (services.d,
 *              then cont-finish.d, …), then every process left gets SIGTERM, and SIGKILL after S6_KILL_GRACETIME.
 *
 * Signals to init (s6-linux-init in a container): TERM and USR2 halt, INT reboots, USR1 and PWR power off,
 * QUIT and WINCH are ignored, HUP rescans /run/service. With S6_CMD_RECEIVE_SIGNALS, TERM QUIT INT USR1 USR2 PWR
 * WINCH go to CMD while it runs instead.
 */
import type { StdioOptions } from 'node:child_process';
import * as fs from 'node:fs';
import { logger, setVerbosity } from '../sys/logger';
import { native } from '../sys/native';
import { routeSignals } from '../sys/signals';
import { spawn } from '../sys/spawner';
import { spare, terminateAll } from '../sys/shutdown';
import { bootProblems } from './check';
import { startCatchAll } from './catchall';
import { startCmd, stdinTerminal, type RunningCmd } from './cmd';
import { dumpEnvironment, overlayPath, printContEnv, treeEnvironment } from './container-env';
import type { BootContext } from './context';
import { ServiceManager } from '../rc/engine';
import { installHaltCommands, listenForHalt, type HaltKind } from './halt';
import { RcRequestServer } from './rc-requests';
import { CMDPID_FILE, CONTAINER_ENV, EXITCODE_FILE, SCANDIR, WORKDIR_FILE, configDirs } from './paths';
import { formatProblem } from '../rc/problems';
import { replaceEnvironment } from '../sys/exec';
import { findProgram, runProgram } from '../sys/run-program';
import { FatalBootError, prepareRun } from './run-dir';
import { startTreeScanner, type Scanner } from './scanner';
import { readSettings, type OverlaySettings } from './settings';
import { installLongruns, makeTransitions } from './transitions';
import { loadTree, TOP } from './tree';

const log = logger('init');
const stage2log = logger('rc.init');

/** Signals s6-overlay diverts to CMD with S6_CMD_RECEIVE_SIGNALS. */
const CMD_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGQUIT', 'SIGINT', 'SIGUSR1', 'SIGUSR2', 'SIGPWR', 'SIGWINCH'];
/** What each signal to init does otherwise (s6-linux-init-maker's container-mode .s6-svscan scripts). */
const SIGNAL_ACTION: Partial<Record<NodeJS.Signals, HaltKind | 'ignore' | 'rescan'>> = {
  SIGTERM: 'halt',
  SIGUSR2: 'halt',
  SIGINT: 'reboot',
  SIGUSR1: 'poweroff',
  SIGPWR: 'poweroff',
  SIGQUIT: 'ignore',
  SIGWINCH: 'ignore',
  SIGHUP: 'rescan',
};
/** Signals a terminal sends to its whole foreground process group: CMD got them already when it shares our tty. */
const FROM_TERMINAL: ReadonlySet<NodeJS.Signals> = new Set(['SIGINT', 'SIGQUIT', 'SIGWINCH']);

class Deferred<T> {
  resolve!: (value: T) => void;
  readonly promise = new Promise<T>((resolve) => (this.resolve = resolve));
}

/** The container's exit code after a halt: the exitcode file, as s6-linux-init's finish script reads it. */
function exitCodeAfterHalt(kind: HaltKind): number {
  if (kind === 'reboot') return 128 + 1; // the kernel kills a namespace init calling reboot(2) with SIGHUP…
  if (kind === 'poweroff') return 128 + 2; // …and with SIGINT for poweroff
  let text: string;
  try {
    text = fs.readFileSync(EXITCODE_FILE, 'utf8').trim();
  } catch {
    return 0;
  }
  if (text === '') return 0;
  if (!/^\d+$/.test(text)) {
    log.warn(`${EXITCODE_FILE} holds ${JSON.stringify(text)}, not an exit code: exiting 0`);
    return 0;
  }
  return Number(text) & 0xff;
}

function writeExitCode(code: number): void {
  try {
    fs.writeFileSync(EXITCODE_FILE, `${code}\n`);
  } catch (err) {
    log.warn(`cannot record the exit code in ${EXITCODE_FILE}: ${(err as Error).message}`);
  }
}

/** S6_WAIT_FOR_CLOSING_FD: wait until the other end of `fd` is closed. */
function waitForClosingFd(fd: number): Promise<void> {
  return new Promise((resolve) => {
    let stream: fs.ReadStream;
    try {
      stream = fs.createReadStream('', { fd, autoClose: true });
    } catch {
      resolve();
      return;
    }
    stream.on('data', () => undefined);
    stream.on('end', () => resolve());
    stream.on('error', () => resolve());
  });
}

export async function bootOverlay(command: readonly string[]): Promise<number> {
  const original = { ...process.env };
  const early = readSettings((name) => original[name]);
  setVerbosity(early.verbosity);
  const PATH = overlayPath(original.PATH);
  const bootEnv: NodeJS.ProcessEnv = { ...original, PATH };

  // Signals are routed first: as PID 1, a signal that arrives before its handler exists is lost for good.
  // Signal handlers do not keep Node's event loop alive: without CMD, keepAlive does until the halt.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const halt = new Deferred<HaltKind>();
  let halting: HaltKind | undefined;
  const requestHalt = (kind: HaltKind) => {
    if (halting) return;
    halting = kind;
    halt.resolve(kind);
  };
  const terminal = process.stdin.isTTY === true;
  let cmd: RunningCmd | undefined;
  let scanner: Scanner | undefined;
  let receiveSignals = early.cmdReceiveSignals;
  const stopRouting = routeSignals(
    Object.fromEntries(
      (Object.keys(SIGNAL_ACTION) as NodeJS.Signals[]).map((signal) => [
        signal,
        () => {
          if (cmd && receiveSignals && CMD_SIGNALS.includes(signal)) {
            if (!(terminal && FROM_TERMINAL.has(signal))) {
              try {
                process.kill(cmd.pid, signal);
              } catch {
                // CMD is exiting; its end is handled below
              }
            }
            return;
          }
          const action = SIGNAL_ACTION[signal];
          if (action === 'rescan') scanner?.prune();
          else if (action === 'ignore') return;
          else if (action) {
            // ^C on a terminal CMD shares: CMD gets it from the terminal and its exit ends the container.
            if (cmd && terminal && FROM_TERMINAL.has(signal)) return;
            requestHalt(action);
          }
        },
      ]),
    ),
  );
  if (early.waitForClosingFd !== undefined) await waitForClosingFd(early.waitForClosingFd);

  try {
    await prepareRun(early, bootEnv);
  } catch (err) {
    if (!(err instanceof FatalBootError)) throw err;
    log.error(err.message);
    stopRouting();
    clearInterval(keepAlive);
    return err.exitCode;
  }
  if (!early.keepEnv) dumpEnvironment(CONTAINER_ENV, bootEnv);
  const workdir = process.cwd();
  fs.writeFileSync(WORKDIR_FILE, `${workdir}\n`);
  writeExitCode(0);
  installHaltCommands();
  const stopListening = listenForHalt(requestHalt);

  const treeEnv = treeEnvironment(original, early.keepEnv, PATH);
  const catchAll = await startCatchAll(early, original.S6_LOGGING_SCRIPT, treeEnv);
  if (catchAll) spare(catchAll.pid);
  // From here on this process has the tree's environment, as s6-svscan has under s6-overlay: whatever it spawns
  // (supervised services included) inherits it. The native addon is loaded first: it may need TMPDIR.
  native();
  replaceEnvironment(treeEnv);
  const stopping = new AbortController();

  let manager: ServiceManager | undefined;
  // Runtime `s6-rc` calls: served once the boot's own change is over (or stage 2 gave up before it).
  const rcReady = new Deferred<ServiceManager | undefined>();
  let rcRequests: RcRequestServer | undefined;
  try {
    rcRequests = new RcRequestServer(rcReady.promise, stopping.signal);
  } catch (err) {
    // the container boots all the same: only `s6-rc` at run time is missing, and it says so itself (exit 111)
    log.warn(`s6-rc at run time is not available: ${(err as Error).message}`);
  }
  const stage2 = (async () => {
    const lookup = (name: string) => printContEnv(name, bootEnv, CONTAINER_ENV);
    let settings: OverlaySettings = readSettings(lookup);
    setVerbosity(settings.verbosity);
    if (settings.stage2Hook) {
      const words = settings.stage2Hook.split(/[ \t\n]+/).filter(Boolean);
      const result = await runProgram(words, { env: treeEnv, abort: stopping.signal, log: stage2log, what: 'S6_STAGE2_HOOK' });
      if (result.spawnError) stage2log.error(result.spawnError);
      if (result.code !== 0) {
        if (settings.stage2Policy >= 2) {
          stage2log.error(`hook ${settings.stage2Hook} exited ${result.code}`);
          writeExitCode(result.code);
          return requestHalt('halt');
        }
        stage2log.warn(`hook ${settings.stage2Hook} exited ${result.code}`);
      }
      settings = readSettings(lookup);
    }
    const dirs = configDirs(settings);
    const execlineb = findProgram('execlineb', PATH);
    const tree = loadTree(dirs, execlineb);
    const problems = bootProblems(tree, dirs);
    for (const p of problems) (p.warning ? stage2log.warn : stage2log.error)(formatProblem(p));

    const needsScanner = [...tree.graph.atoms.values()].some((a) => a.def.type === 'longrun') || fs.existsSync(dirs.services);
    try {
      scanner = await startTreeScanner(SCANDIR, treeEnv, original.NUWA_SCANNER);
    } catch (err) {
      if (needsScanner) stage2log.error(`${(err as Error).message}: longruns and services.d cannot start`);
      scanner = { scandir: SCANDIR, rescan: () => undefined, prune: () => undefined, stop: async () => undefined, supervises: () => false };
    }
    const ctx: BootContext = { settings, dirs, treeEnv, scanner, execlineb, stopping: stopping.signal, legacyStarted: [] };
    await installLongruns(ctx, tree.graph, '/bin/sh');
    manager = new ServiceManager(tree.graph, makeTransitions(ctx, tree.graph));
    let r: number = await manager.up([TOP], { timeoutMs: settings.cmdWaitForServicesMaxTime, abort: stopping.signal });
    rcReady.resolve(manager);
    if (halting) return;
    if (r === 0 && problems.some((p) => !p.warning)) r = 1;
    settings = readSettings(lookup);
    ctx.settings = settings;
    if (r !== 0 && settings.stage2Policy >= 1) {
      stage2log.warn('s6-rc failed to properly bring all the services up! Check the messages above.');
      if (settings.stage2Policy >= 2) {
        stage2log.error('stopping the container.');
        writeExitCode(r);
        return requestHalt('halt');
      }
    }
    if (command.length === 0) return;
    receiveSignals = settings.cmdReceiveSignals;
    // S6_LOGGING=1: CMD keeps the console; 2: CMD goes to the catch-all logger too, unless it may use the terminal.
    const tty = catchAll && settings.cmdUseTerminal ? stdinTerminal() : undefined;
    const stdio: StdioOptions | undefined = tty
      ? ['inherit', fs.openSync(tty, 'w'), fs.openSync(tty, 'w')]
      : catchAll && early.logging === 1
        ? ['inherit', catchAll.console, catchAll.console]
        : undefined;
    const started = await startCmd(command, { env: settings.keepEnv ? { ...original, PATH } : treeEnv, cwd: workdir, arg0: settings.cmdArg0, stdio });
    if ('failed' in started) {
      writeExitCode(started.failed);
      return requestHalt('halt');
    }
    if (halting) return;
    cmd = started;
    if (receiveSignals) fs.writeFileSync(CMDPID_FILE, `${started.pid}\n`);
    const code = await started.code;
    fs.rmSync(CMDPID_FILE, { force: true });
    cmd = undefined;
    if (halting) return; // the container was already stopping: the exit code is what the halt said
    writeExitCode(code);
    requestHalt('halt');
  })()
    .catch((err: unknown) => {
      log.error(`stage 2 failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      writeExitCode(111);
      requestHalt('halt');
    })
    .finally(() => rcReady.resolve(manager));

  const kind = await halt.promise;
  stopping.abort();
  log.info(`${kind}: stopping services`);
  const start = Date.now();
  await stage2Settled(stage2, cmd !== undefined);
  await rcRequests?.close(); // a change under way ends first (a start is aborted); later requests get 111
  if (manager) await manager.downAll();
  const grace = early.killGraceTime;
  const deadline = Date.now() + grace;
  await Promise.all([scanner?.stop(deadline), terminateAll(deadline)]);
  log.debug(`shutdown took ${Date.now() - start} ms`);
  await catchAll?.stop(Date.now() + 2000);
  if (early.syncDisks) await syncDisks(treeEnv);
  stopRouting();
  stopListening();
  clearInterval(keepAlive);
  return exitCodeAfterHalt(kind);
}

/** Stage 2 gives up at once when the halt comes during boot; while CMD runs, it is left to the final SIGTERM. */
async function stage2Settled(stage2: Promise<void>, cmdRunning: boolean): Promise<void> {
  if (cmdRunning) return;
  await stage2;
}

async function syncDisks(env: NodeJS.ProcessEnv): Promise<void> {
  const sync = findProgram('sync', env.PATH);
  if (!sync) return log.warn('S6_SYNC_DISKS is set but there is no sync program');
  const child = await spawn(sync, [], { stdio: 'ignore', env });
  await child.exited;
}
