/**
 * Stage 3 (s6-overlay's rc.shutdown and s6-linux-init's final sweep), after CMD's exit, `halt` or a signal: every
 * service goes down in reverse dependency order (services.d, then cont-finish.d, …), then every process left gets
 * SIGTERM, and SIGKILL after S6_KILL_GRACETIME. Returns the container's exit code.
 */
import { spawn } from '../sys/spawner';
import { logger } from '../sys/logger';
import { findProgram } from '../sys/run-program';
import { terminateAll } from '../sys/shutdown';
import { writeBootProgress } from '../wire/boot-progress';
import type { BootState } from './boot-state';
import { exitCodeAfterHalt } from './exit-code';
import type { HaltKind } from './halt';

const log = logger('init');

export async function stage3(state: BootState, kind: HaltKind, stage2: Promise<void>): Promise<number> {
  state.stopping.abort();
  writeBootProgress('stopping');
  log.info(`${kind}: stopping services`);
  const start = Date.now();
  // Stage 2 gives up at once when the halt comes during boot; while CMD runs, it is left to the final SIGTERM.
  if (state.cmd === undefined) await stage2;
  await state.rcRequests?.close(); // a change under way ends first (a start is aborted); later requests get 111
  if (state.manager) await state.manager.downAll();
  const deadline = Date.now() + state.early.killGraceTime;
  await Promise.all([state.scanner?.stop(deadline), terminateAll(deadline)]);
  log.debug(`shutdown took ${Date.now() - start} ms`);
  await state.catchAll?.stop(Date.now() + 2000);
  if (state.early.syncDisks) await syncDisks(state.treeEnv);
  state.cleanUp();
  return exitCodeAfterHalt(kind);
}

async function syncDisks(env: NodeJS.ProcessEnv): Promise<void> {
  const sync = findProgram('sync', env.PATH);
  if (!sync) return log.warn('S6_SYNC_DISKS is set but there is no sync program');
  const child = await spawn(sync, [], { stdio: 'ignore', env });
  await child.exited;
}
