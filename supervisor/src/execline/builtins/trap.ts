/**
 * trap: prog as a child, a handler block run for each signal this process catches (at most one running per signal),
 * `!` and SIGNAL set for the handlers; exits with prog's code, 128+n when prog was killed. A signal with no directive
 * keeps its default disposition (this process dies of it), or with -x is forwarded to prog.
 */
import { constants } from 'node:os';
import { environ } from '../environ';
import { SpawnError } from '../../sys/spawner';
import { readBlock } from '../blocks';
import { spawnFailure, type Chain, type Step } from '../chain';
import { ExeclineError, usage, warn } from '../errors';
import { options } from '../options';

const TRAP = 'trap [ -x ] { signal { cmdline } ... } prog...';

/** The signals Node lets a program catch (not KILL, STOP, the synchronous faults, nor CHLD, which Node uses). */
const CATCHABLE = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGWINCH', 'SIGURG'];
const signals = constants.signals as Record<string, number>;

/** A directive's keyword as a signal name: `term`, `SIGTERM`, `15`; undefined when it is none. */
function signalName(keyword: string): string | undefined {
  if (/^\d+$/.test(keyword)) return Object.keys(signals).find((name) => signals[name] === Number(keyword));
  const upper = keyword.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return Object.hasOwn(signals, name) ? name : undefined;
}

/** The directives block: signal name (or 'default') → handler argv. */
function directives(words: string[]): Map<string, string[]> {
  if (words.length === 0) throw new ExeclineError('trap', 100, 'empty block');
  const handlers = new Map<string, string[]>();
  let i = 0;
  while (i < words.length) {
    const keyword = words[i] as string;
    const name = keyword === 'default' ? 'default' : signalName(keyword);
    if (name === undefined) throw new ExeclineError('trap', 100, `unrecognized directive: ${keyword}`);
    const block = readBlock(words, i + 1, 'trap');
    handlers.set(name, block.words);
    i = block.next;
  }
  return handlers;
}

export async function trap(args: string[], chain: Chain): Promise<Step> {
  const o = options(args, 'x', 'trap', TRAP);
  if (o.operands.length === 0) throw usage('trap', TRAP);
  const block = readBlock(o.operands, 0, 'trap');
  const prog = o.operands.slice(block.next);
  if (prog.length === 0) throw usage('trap', TRAP);
  const handlers = directives(block.words);
  let child;
  try {
    child = await chain.spawn(prog);
  } catch (err) {
    if (err instanceof SpawnError) throw new ExeclineError('trap', 111, spawnFailure(err));
    throw err;
  }
  environ.set('!', String(child.pid));
  const running = new Set<string>();
  const onSignal = (name: string): void => {
    const handler = handlers.get(name) ?? handlers.get('default');
    if (!handler) {
      child.child.kill(name as NodeJS.Signals); // -x: forwarded
      return;
    }
    if (running.has(name)) return;
    running.add(name);
    environ.set('SIGNAL', String(signals[name]));
    chain
      .runChild(handler)
      .then((t) => {
        if (t instanceof SpawnError) warn('trap', spawnFailure(t));
      })
      .finally(() => running.delete(name));
  };
  const caught = CATCHABLE.filter((name) => o.has('x') || handlers.has(name) || handlers.has('default'));
  const listeners = caught.map((name) => [name, () => onSignal(name)] as const);
  for (const [name, listener] of listeners) process.on(name, listener);
  const t = await child.exited;
  for (const [name, listener] of listeners) process.off(name, listener);
  return t.signal !== null ? 128 + t.signal : (t.code ?? 0);
}
