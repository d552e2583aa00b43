/**
 * A supervision tree under test: a scan dir of benchmark services, a listener on their event/ fifodirs, and the
 * scanner (s6-svscan or nuwa svscan) as PID 1 of its own namespace.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from './context';
import { Listener } from './listener';
import { startPid1, type Pid1 } from './namespace';
import { descendantsOf, exeOf, innerToHostPids } from './proc';
import { makeScandir, type Scandir, type ServiceMode } from './scandir';
import type { Supervisor } from './subjects';
import { until } from './wait';

export interface TreeOptions {
  mode?: ServiceMode;
  notify?: boolean;
  /** Listener answers each 'D' with "u" (soak). */
  kick?: boolean;
  /** Keep every event in memory (default true; the soak only counts). */
  keepEvents?: boolean;
  /** Wait until every service has signalled readiness ('U'). Default: true when notify and mode 'ready'. */
  waitReady?: boolean;
}

export interface Tree {
  sup: Supervisor;
  scandir: Scandir;
  listener: Listener;
  pid1: Pid1;
  /** CLOCK_MONOTONIC ns just before PID 1 was exec'd (stamped by stopwatch.c), when the tree was booted stamped. */
  execNs: bigint;
  /** PID 1 plus every supervisor process below it (s6-supervise), host PIDs. Throws when PID 1 is gone. */
  supervisorPids(): number[];
  /** Host PID of a process of this namespace known by its PID inside. */
  hostPid(inner: number): number;
  stop(): Promise<void>;
}

export async function startTree(ctx: Context, sup: Supervisor, count: number, options: TreeOptions = {}): Promise<Tree> {
  const mode = options.mode ?? 'ready';
  const notify = options.notify ?? true;
  const scandir = makeScandir(ctx.scratch, count, { service: ctx.probes.service, mode, notify });
  const listener = await Listener.start(ctx.probes.listen, scandir.services, {
    scratch: ctx.scratch,
    kick: options.kick,
    keepEvents: options.keepEvents,
  });
  const stampFile = path.join(scandir.dir, '.exec-stamp');
  let pid1: Pid1;
  try {
    pid1 = await startPid1(ctx.scratch, sup.label, [ctx.probes.stopwatch, 'stamp', stampFile, ...sup.scan(scandir.dir)]);
  } catch (err) {
    await listener.close();
    throw err;
  }
  const tree: Tree = {
    sup,
    scandir,
    listener,
    pid1,
    execNs: 0n,
    supervisorPids() {
      const pids = [pid1.hostPid, ...descendantsOf(pid1.hostPid)].filter((pid) => sup.treeExes.has(exeOf(pid) ?? ''));
      if (!pids.includes(pid1.hostPid)) {
        throw new Error(`${sup.label} (PID 1, host pid ${pid1.hostPid}) is gone or is not ${[...sup.treeExes].join(' / ')}`);
      }
      return pids;
    },
    hostPid(inner) {
      const host = innerToHostPids(pid1.hostPid).get(inner);
      if (host === undefined) throw new Error(`no process ${inner} in ${sup.label}'s namespace`);
      return host;
    },
    async stop() {
      await pid1.kill();
      await listener.close();
    },
  };
  try {
    const stamp = await until('the exec stamp of PID 1', () => readIfThere(stampFile), 10_000);
    tree.execNs = BigInt(stamp);
    if (options.waitReady ?? (notify && mode === 'ready')) {
      const deadline = ctx.quick ? 10_000 : 30_000;
      await Promise.all(scandir.services.map((_, i) => listener.next(i, 'U', 0n, deadline)));
    }
  } catch (err) {
    const out = pid1.output().trim().slice(-600);
    await tree.stop();
    throw new Error(`${sup.label}: ${(err as Error).message}${out ? `; its output: ${out}` : ''}`, { cause: err });
  }
  return tree;
}

function readIfThere(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'latin1').trim() || undefined;
  } catch {
    return undefined;
  }
}
