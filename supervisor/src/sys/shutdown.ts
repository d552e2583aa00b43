/**
 * The end of a container's life: whatever still runs gets SIGTERM (and SIGCONT, in case it is stopped), then
 * SIGKILL once the grace time is over. Used when the main program has exited and when PID 1 is told to stop.
 */
import { logger } from './logger';
import { descendants, isZombie } from './process-tree';
import { sleep } from './timer';

const log = logger('init');

/** Shutdown is the one time we poll: a grandchild's death sends no SIGCHLD to us. Bounded by the grace time. */
const POLL_MS = 20;
/** A process in uninterruptible sleep may ignore even SIGKILL for a while: do not wait for it forever. */
const AFTER_KILL_MS = 2000;

/** Processes that outlive the sweep on purpose (the catch-all logger, which ends on EOF once init lets go). */
const spared = new Set<number>();

export function spare(pid: number): void {
  spared.add(pid);
}

function alive(): number[] {
  return descendants().filter((pid) => !spared.has(pid) && !isZombie(pid));
}

function signalAll(signal: NodeJS.Signals): void {
  for (const pid of alive()) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

async function waitUntilNoneAlive(deadline: number): Promise<boolean> {
  while (alive().length > 0) {
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
  return true;
}

/** SIGTERM everything left, wait until `deadline` (epoch ms), SIGKILL the rest. */
export async function terminateAll(deadline: number): Promise<void> {
  if (alive().length === 0) return;
  signalAll('SIGTERM');
  signalAll('SIGCONT');
  if (await waitUntilNoneAlive(deadline)) return;
  const stubborn = alive();
  log.warn(`${stubborn.length} process(es) still running after the grace time, sending SIGKILL: ${stubborn.join(' ')}`);
  killAll();
  await waitUntilNoneAlive(Date.now() + AFTER_KILL_MS);
}

export function killAll(): void {
  signalAll('SIGKILL');
}
