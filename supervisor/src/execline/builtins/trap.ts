/**
 * trap: prog as a child, a handler block run for each signal this process catches (at most one running per signal),
 * with `!` (prog's pid) and SIGNAL (the signal's number) in its environment; exits with prog's code, 128+n when prog
 * was killed, or 111 at once when a handler cannot be spawned. `default` (or `0`) is the directive of every signal
 * without one. A signal with no directive keeps its default action (this process dies of it: SIGPIPE, SIGXFSZ and
 * SIGUSR1 too, which Node ignores or keeps for its inspector), or with -x is caught and forwarded to prog.
 * Every signal can be trapped but SIGKILL, SIGSTOP, SIGCHLD (as in execline) and the realtime ones (Node can listen
 * to named signals only).
 */
import { constants } from 'node:os';
import { environ } from '../environ';
import { SpawnError, type Spawned } from '../../sys/spawner';
import { restoreDefaultAction } from '../../sys/signals';
import { readBlock } from '../blocks';
import { spawnFailure, type Chain, type Step } from '../chain';
import { ExeclineError, say, usage } from '../errors';
import { options } from '../options';

const TRAP = 'trap [ -x ] { signal { cmdline } ... } prog...';

const signals = constants.signals as Record<string, number>;
const UNTRAPPABLE = new Set(['SIGKILL', 'SIGSTOP', 'SIGCHLD']);
/** Each signal number's first name (Node also knows SIGIOT and SIGPOLL, aliases of SIGABRT and SIGIO). */
const NAMES = new Map<number, string>();
for (const [name, n] of Object.entries(signals)) if (!NAMES.has(n)) NAMES.set(n, name);
/** The signals trap may catch. */
const TRAPPABLE = [...NAMES.values()].filter((name) => !UNTRAPPABLE.has(name));
/** Signals whose disposition Node changed at start-up (ignored, or caught for its inspector). */
const NODE_ALTERED: NodeJS.Signals[] = ['SIGPIPE', 'SIGXFSZ', 'SIGUSR1'];
/** The highest signal number Linux has (SIGRTMAX). */
const NSIG_MAX = 64;

/** A directive's keyword as a signal name, 'default' (also `0`), or undefined when it names no signal. */
function directiveName(keyword: string): string | undefined {
  if (keyword.toLowerCase() === 'default' || keyword === '0') return 'default';
  if (/^\d+$/.test(keyword)) {
    const n = Number(keyword);
    const name = NAMES.get(n);
    if (name !== undefined) return name;
    throw new ExeclineError(
      'trap',
      100,
      n <= NSIG_MAX ? `signal ${n} cannot be trapped by nuwa (a realtime signal)` : `SIG??? (${n}) cannot be trapped`,
    );
  }
  const upper = keyword.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return Object.hasOwn(signals, name) ? (NAMES.get(signals[name] as number) as string) : undefined;
}

/** The directives block: signal name (or 'default') → handler argv. */
function directives(words: string[]): Map<string, string[]> {
  if (words.length === 0) throw new ExeclineError('trap', 100, 'empty block');
  const handlers = new Map<string, string[]>();
  let i = 0;
  while (i < words.length) {
    const keyword = words[i] as string;
    const name = directiveName(keyword);
    if (name === undefined) throw new ExeclineError('trap', 100, `unrecognized directive: ${keyword}`);
    const block = readBlock(words, i + 1, 'trap');
    if (handlers.has(name)) throw new ExeclineError('trap', 100, `duplicate directive: ${keyword}`);
    if (UNTRAPPABLE.has(name)) throw new ExeclineError('trap', 100, `${name} (${signals[name]}) cannot be trapped`);
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
  const caught = TRAPPABLE.filter((name) => o.has('x') || handlers.has(name) || handlers.has('default'));
  for (const name of NODE_ALTERED) if (!caught.includes(name)) restoreDefaultAction(name);
  // The handlers are installed before prog is spawned, as execline's trap does: a signal sent as soon as prog runs
  // must find one (with none, the default action would end trap). Signals caught before the spawn has returned are
  // handled once prog's pid is known.
  let child: Spawned | undefined;
  const early: string[] = [];
  let fail: (code: number) => void = () => undefined;
  const failed = new Promise<number>((resolve) => (fail = resolve));
  const running = new Set<string>();
  const onSignal = (name: string): void => {
    if (!child) {
      early.push(name);
      return;
    }
    const handler = handlers.get(name) ?? handlers.get('default');
    if (!handler) {
      child.child.kill(name as NodeJS.Signals); // -x: forwarded
      return;
    }
    if (running.has(name)) return;
    running.add(name);
    environ.set('SIGNAL', String(signals[name]));
    void chain.runChild(handler).then((t) => {
      running.delete(name);
      if (!(t instanceof SpawnError)) return;
      say(`trap: fatal: ${spawnFailure(t)}`);
      fail(111);
    });
  };
  const listeners = caught.map((name) => [name, () => onSignal(name)] as const);
  for (const [name, listener] of listeners) process.on(name, listener);
  try {
    child = await chain.spawn(prog);
  } catch (err) {
    for (const [name, listener] of listeners) process.off(name, listener);
    if (err instanceof SpawnError) throw new ExeclineError('trap', 111, spawnFailure(err));
    throw err;
  }
  environ.set('!', String(child.pid)); // for the handlers, as execline's trap gives them
  for (const name of early.splice(0)) onSignal(name);
  const code = await Promise.race([child.exited.then((t) => (t.signal !== null ? 128 + t.signal : (t.code ?? 0))), failed]);
  for (const [name, listener] of listeners) process.off(name, listener);
  return code;
}
