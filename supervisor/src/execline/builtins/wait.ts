/**
 * wait: waits for children (the listed pids, or all of them), then runs prog. As execline 2.9.3's wait:
 *  - no option: every listed child (or every child); prog runs whatever they exited with;
 *  - -o: the first listed child (or any child) to die; `?` and `!` are its status and pid, unset when none died;
 *  - -t ms / -r (= -t 0): at most that long, then loose (-I, default) goes on, strict (-i) dies with 99; a child that is
 *    already dead (a zombie whose exit the event loop has not delivered yet) counts as dead at the deadline;
 *  - no block (`wait 12 34`, or nothing): nothing to run; the exit code is the status (128+n after a crash) of the
 *    last child that was waited for (with -t: of the last one listed, and none after a timeout), 127 for none.
 * The children are the chain's (background, pipeline, heredoc's writer) and any inherited from before the exec into
 * nuwa, which the reaper waits for by pid.
 */
import { environ } from '../environ';
import { childrenOf, isZombie } from '../../sys/process-tree';
import { reaper } from '../../sys/reaper';
import { after } from '../../sys/timer';
import type { Termination } from '../../sys/wait-status';
import { readBlock } from '../blocks';
import type { Chain, Step } from '../chain';
import { ExeclineError, usage } from '../errors';
import { options } from '../options';

const WAIT = 'wait [ -I | -i ] [ -a | -o ] [ -r | -t timeout ] { pids... } [ prog... ]';

/** A child reaped: its pid and its status as execline gives it (exit code, or 128 + the signal). */
type Reaped = [pid: number, status: number];

const status = (t: Termination): number => (t.signal !== null ? 128 + t.signal : (t.code ?? 0));

/** The pids, the program after them, and whether there was a block at all. */
function operands(words: string[]): { pids: number[]; prog: string[]; hasBlock: boolean } {
  const hasBlock = words.includes('');
  const block = hasBlock ? readBlock(words, 0, 'wait') : { words, next: words.length };
  if (block.words.some((w) => !/^\d+$/.test(w))) throw usage('wait', WAIT);
  return { pids: block.words.map(Number), prog: words.slice(block.next), hasBlock };
}

/** Every child of this process the chain can wait for; one it did not start (inherited) is adopted by the reaper. */
function allChildren(chain: Chain): Map<number, Promise<Termination>> {
  for (const pid of childrenOf('self')) {
    if (!chain.children.has(pid)) chain.children.set(pid, reaper.adopt(pid));
  }
  return chain.children;
}

/** The children among `pids` (all of them when none is listed), each settling with its pid and status. */
function watched(chain: Chain, pids: number[]): Map<number, Promise<Reaped>> {
  const known = chain.children;
  const children = pids.length === 0 || pids.some((pid) => !known.has(pid)) ? allChildren(chain) : known;
  const out = new Map<number, Promise<Reaped>>();
  for (const pid of pids.length === 0 ? [...children.keys()] : pids) {
    const exited = children.get(pid);
    if (exited)
      out.set(
        pid,
        exited.then((t): Reaped => [pid, status(t)]),
      );
  }
  return out;
}

/**
 * Waits for the children in `pending` (only the first when `one`), in the order they die, for at most `ms`. At the
 * deadline a zombie is as good as dead (its exit is on its way through the event loop); `timedOut` when others live.
 */
async function collect(
  pending: Map<number, Promise<Reaped>>,
  ms: number | undefined,
  one: boolean,
): Promise<{ reaped: Reaped[]; timedOut: boolean }> {
  const reaped: Reaped[] = [];
  let expire: () => void = () => undefined;
  const deadline = new Promise<'deadline'>((resolve) => (expire = () => resolve('deadline')));
  const timer = ms === undefined ? undefined : after(ms, expire);
  try {
    while (pending.size > 0 && !(one && reaped.length > 0)) {
      const next = await Promise.race([...pending.values(), deadline]);
      if (next === 'deadline') {
        const dead = [...pending.keys()].filter(isZombie).slice(0, one ? 1 : undefined);
        for (const pid of dead) reaped.push(await (pending.get(pid) as Promise<Reaped>));
        for (const pid of dead) pending.delete(pid);
        return { reaped, timedOut: pending.size > 0 && !(one && reaped.length > 0) };
      }
      reaped.push(next);
      pending.delete(next[0]);
    }
    return { reaped, timedOut: false };
  } finally {
    timer?.cancel();
  }
}

/** The status the options make of what was reaped: -1 for none. */
function outcome(reaped: Reaped[], pids: number[], timed: boolean, one: boolean): number {
  if (one) return reaped[0]?.[1] ?? -1;
  if (!timed) return pids.length === 0 ? 0 : (reaped.at(-1)?.[1] ?? -1);
  const special = pids.at(-1);
  if (special === undefined) return 0;
  return reaped.find(([pid]) => pid === special)?.[1] ?? -1;
}

export async function wait(args: string[], chain: Chain): Promise<Step> {
  const o = options(args, 'iIaort:', 'wait', WAIT);
  const timeout = o.last('rt') === 'r' ? '0' : o.last('rt') === 't' ? o.value('t') : undefined;
  if (timeout !== undefined && !/^\d+$/.test(timeout)) throw usage('wait', WAIT);
  const one = o.last('ao') === 'o';
  const { pids, prog, hasBlock } = operands(o.operands);
  const { reaped, timedOut } = await collect(watched(chain, pids), timeout === undefined ? undefined : Number(timeout), one);
  for (const [pid] of reaped) chain.children.delete(pid);
  if (timedOut && o.last('iI') === 'i') throw new ExeclineError('wait', 99, 'unable to wait: Connection timed out');
  const e = timedOut ? -1 : outcome(reaped, pids, timeout !== undefined, one);
  if (!hasBlock) return e >= 0 ? e : 127;
  if (one && e >= 0) {
    environ.set('?', String(e));
    environ.set('!', String((reaped[0] as Reaped)[0]));
  } else if (one) {
    environ.delete('?');
    environ.delete('!');
  }
  return prog;
}
