/**
 * `nuwa init [CMD…]` for an s6-overlay v3 image: the boot and shutdown sequence of s6-overlay's stages, in one
 * process, one module per stage as s6-overlay keeps one script per stage:
 *
 *   stage 0/1  stage1.ts: PATH gets /command, /usr/bin, /bin; /run is prepared; the environment is dumped to
 *              /run/s6/container_environment; the catch-all logger starts.
 *   stage 2    stage2.ts: S6_STAGE2_HOOK, the s6-rc tree (the scanner on /run/service, then `top`), then CMD.
 *   stage 3    stage3.ts: services down in reverse order, the final SIGTERM/SIGKILL sweep, the exit code.
 *
 * The stages share one BootState (boot-state.ts). Signals to init are routed by init-signals.ts.
 */
import { setVerbosity } from '../sys/logger';
import { every, MAX_TIMER_MS } from '../sys/timer';
import { BootState } from './boot-state';
import { routeInitSignals } from './init-signals';
import { stage1 } from './stage1';
import { stage2 } from './stage2';
import { stage3 } from './stage3';

/** `onStart` sees the boot's state once signals are routed, before stage 1 (PID 1's health endpoint reads it). */
export async function bootOverlay(command: readonly string[], onStart?: (state: BootState) => void): Promise<number> {
  const state = new BootState({ ...process.env });
  setVerbosity(state.early.verbosity);
  // Signal handlers do not keep Node's event loop alive: without CMD, this timer does until the halt.
  const keepAlive = every(MAX_TIMER_MS, () => undefined);
  state.cleanups.push(() => keepAlive.cancel());
  // Signals are routed first: as PID 1, a signal that arrives before its handler exists is lost for good.
  routeInitSignals(state);
  onStart?.(state);

  const failed = await stage1(state);
  if (failed !== undefined) {
    state.cleanUp();
    return failed;
  }
  const running = stage2(state, command);
  return stage3(state, await state.halt, running);
}
