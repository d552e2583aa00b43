/**
 * What bringing one service up or down means, per kind (s6-rc.html "Longrun transitions", "Oneshot transitions"):
 *  - oneshot: run its up/down command line; success = exit 0, within timeout-up/timeout-down;
 *  - longrun: remove its `down` file and tell its supervisor `u`, then wait until it is up — ready, when it has a
 *    notification-fd; down: create `down`, send `d`, wait until it is down (finish done);
 *  - s6-overlay's own oneshots (fix-attrs, legacy-cont-init, legacy-services): carried out by nuwa.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { logger } from '../sys/logger';
import { sendControl } from '../wire/control';
import { planCommandLine } from '../rc/command-line';
import type { BootContext } from './context';
import type { Transitions } from '../rc/engine';
import { fixAttrs } from './fix-attrs';
import type { Graph } from '../rc/graph';
import { contFinish, contInit, servicesDown, servicesUp } from './legacy';
import { RC_PIPES, RC_SERVICEDIRS, SCANDIR } from './paths';
import { describeResult, runProgram } from '../sys/run-program';
import { subscribe, waitForState } from '../rc/service-state';
import { linkService, makePipe, materializeLongrun } from '../rc/servicedirs';
import type { ServiceDefinition } from '../rc/source';

const log = logger('s6-rc');

function liveDir(name: string): string {
  return path.join(SCANDIR, name);
}

/**
 * s6-rc-init's part: every longrun of the graph gets its live service dir (down), its link in the scan dir, and a
 * supervisor. Resolves once every supervisor is running. Pipeline FIFOs are made here too.
 */
export async function installLongruns(ctx: BootContext, graph: Graph, shell: string): Promise<void> {
  const longruns = [...graph.atoms.values()].filter((a) => a.def.type === 'longrun');
  if (longruns.length === 0) return;
  for (const atom of longruns) {
    const pipes = {
      stdin: atom.pipeFrom ? path.join(RC_PIPES, atom.def.name) : undefined,
      stdout: atom.pipeTo !== undefined ? path.join(RC_PIPES, atom.pipeTo) : undefined,
    };
    if (pipes.stdin) makePipe(pipes.stdin);
    const live = path.join(RC_SERVICEDIRS, atom.def.name);
    materializeLongrun(atom.def.dir, live, pipes, shell);
  }
  const listeners = longruns.map((a) => subscribe(path.join(RC_SERVICEDIRS, a.def.name)));
  for (const atom of longruns) linkService(SCANDIR, atom.def.name, path.join(RC_SERVICEDIRS, atom.def.name));
  ctx.scanner.rescan();
  const outcomes = await Promise.all(
    longruns.map((a, k) =>
      waitForState(liveDir(a.def.name), 'supervised', listeners[k] as ReturnType<typeof subscribe>, {
        abort: ctx.stopping,
        log,
        what: `the supervisor of ${a.def.name}`,
        supervised: ctx.scanner.supervises,
      }),
    ),
  );
  const missing = longruns.filter((_, k) => outcomes[k] !== 'ok').map((a) => a.def.name);
  if (missing.length > 0 && !ctx.stopping.aborted) log.error(`no supervisor started for: ${missing.join(' ')}`);
}

async function runOneshot(ctx: BootContext, def: ServiceDefinition, which: 'up' | 'down', abort?: AbortSignal): Promise<boolean> {
  const text = (which === 'up' ? def.up : def.down) ?? '';
  const file = path.join(def.dir, which);
  const plan = planCommandLine(text, file, ctx.execlineb);
  if (plan.kind === 'nothing') return true;
  if (plan.kind === 'refused') {
    log.error(`${file}: ${plan.reason}`);
    return false;
  }
  const timeoutMs = which === 'up' ? def.timeoutUp : def.timeoutDown;
  const argv0 = plan.kind === 'execlineb' ? plan.argv0 : undefined;
  const result = await runProgram(plan.argv, { env: ctx.treeEnv, timeoutMs, abort, log, what: `${def.name} (${which})`, argv0 });
  if (result.code === 0) return true;
  if (!result.aborted)
    log.warn(`service ${def.name}: ${which} ${describeResult(result)}${result.timedOut ? ` (timeout-${which} ${timeoutMs} ms)` : ''}`);
  return false;
}

async function longrunUp(ctx: BootContext, def: ServiceDefinition, abort: AbortSignal): Promise<boolean> {
  const dir = liveDir(def.name);
  const listener = subscribe(dir);
  fs.rmSync(path.join(dir, 'down'), { force: true });
  try {
    sendControl(dir, 'u');
  } catch (err) {
    listener.close();
    log.error(`service ${def.name}: ${(err as Error).message}`);
    return false;
  }
  const want = def.notifies ? 'ready' : 'up';
  const outcome = await waitForState(dir, want, listener, {
    timeoutMs: def.timeoutUp,
    abort,
    log,
    what: def.name,
    supervised: ctx.scanner.supervises,
  });
  if (outcome === 'ok') return true;
  if (outcome === 'timeout') log.warn(`service ${def.name}: not ${want} after timeout-up ${def.timeoutUp} ms`);
  if (outcome === 'failed') log.warn(`service ${def.name}: its finish script reported a permanent failure (exit 125)`);
  // A failed start leaves the service down, as s6-rc's transitions are meant to be atomic. No waiting here: what
  // ignores the stop signal goes with the final SIGTERM/SIGKILL to every process.
  fs.writeFileSync(path.join(dir, 'down'), '');
  try {
    sendControl(dir, 'd');
  } catch {
    // no supervisor: nothing runs
  }
  return false;
}

async function longrunDown(ctx: BootContext, def: ServiceDefinition): Promise<boolean> {
  const timeoutMs = def.timeoutDown;
  const dir = liveDir(def.name);
  fs.writeFileSync(path.join(dir, 'down'), '');
  const listener = subscribe(dir);
  try {
    sendControl(dir, 'd');
  } catch {
    listener.close();
    return true; // no supervisor: nothing runs
  }
  const outcome = await waitForState(dir, 'down', listener, { timeoutMs, supervised: ctx.scanner.supervises });
  if (outcome === 'timeout') log.warn(`service ${def.name}: still running after timeout-down ${timeoutMs} ms`);
  return outcome === 'ok';
}

export function makeTransitions(ctx: BootContext, graph: Graph): Transitions {
  const def = (name: string): ServiceDefinition => {
    const atom = graph.atoms.get(name);
    if (!atom) throw new Error(`no such service ${name}`);
    return atom.def;
  };
  return {
    async up(name, abort) {
      const d = def(name);
      switch (d.internal) {
        case 'fix-attrs':
          return fixAttrs(ctx);
        case 'legacy-cont-init':
          return contInit(ctx);
        case 'legacy-services':
          return servicesUp(ctx);
      }
      if (d.type === 'oneshot') return runOneshot(ctx, d, 'up', abort);
      return longrunUp(ctx, d, abort);
    },
    async down(name) {
      const d = def(name);
      switch (d.internal) {
        case 'fix-attrs':
          return true;
        case 'legacy-cont-init':
          return contFinish(ctx);
        case 'legacy-services':
          return servicesDown(ctx);
      }
      if (d.type === 'oneshot') return runOneshot(ctx, d, 'down');
      return longrunDown(ctx, d);
    },
  };
}
