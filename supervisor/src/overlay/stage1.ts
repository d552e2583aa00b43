/**
 * Stage 1 (s6-overlay's preinit and rc.init's first half): /run is prepared, the environment is dumped to
 * /run/s6/container_environment, the halt commands and the catch-all logger are set up, and from then on this
 * process has the tree's environment, as s6-svscan has under s6-overlay.
 */
import * as fs from 'node:fs';
import { native } from '../sys/native';
import { replaceEnvironment } from '../sys/exec';
import { logger } from '../sys/logger';
import { spare } from '../sys/shutdown';
import type { BootState } from './boot-state';
import { startCatchAll } from './catchall';
import { dumpEnvironment } from './container-env';
import { writeExitCode } from './exit-code';
import { installHaltCommands, listenForHalt } from './halt';
import { CONTAINER_ENV, WORKDIR_FILE } from './paths';
import { RcRequestServer } from './rc-requests';
import { FatalBootError, prepareRun } from './run-dir';

const log = logger('init');

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

/** Runs stage 1. Returns the container's exit code when /run cannot be prepared (nothing else was started). */
export async function stage1(state: BootState): Promise<number | undefined> {
  const { early } = state;
  if (early.waitForClosingFd !== undefined) await waitForClosingFd(early.waitForClosingFd);
  try {
    await prepareRun(early, state.bootEnv);
  } catch (err) {
    if (!(err instanceof FatalBootError)) throw err;
    log.error(err.message);
    return err.exitCode;
  }
  if (!early.keepEnv) dumpEnvironment(CONTAINER_ENV, state.bootEnv);
  fs.writeFileSync(WORKDIR_FILE, `${state.workdir}\n`);
  writeExitCode(0);
  installHaltCommands();
  state.cleanups.push(listenForHalt((kind) => state.requestHalt(kind)));

  state.catchAll = await startCatchAll(early, state.original.S6_LOGGING_SCRIPT, state.treeEnv);
  if (state.catchAll) spare(state.catchAll.pid);
  // From here on this process has the tree's environment: whatever it spawns (supervised services included)
  // inherits it. The native addon is loaded first: it may need TMPDIR.
  native();
  replaceEnvironment(state.treeEnv);
  try {
    state.rcRequests = new RcRequestServer(state.rcReady.promise, state.stopping.signal);
  } catch (err) {
    // the container boots all the same: only `s6-rc` at run time is missing, and it says so itself (exit 111)
    log.warn(`s6-rc at run time is not available: ${(err as Error).message}`);
  }
  return undefined;
}
