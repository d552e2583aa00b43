/** Sequencing and conditions: foreground, background, if, ifelse, exit, exec, loopwhilex (wait is wait.ts). */
import { environ } from '../environ';
import { SpawnError } from '../../sys/spawner';
import type { Termination } from '../../sys/wait-status';
import { readBlock, readBlocks } from '../blocks';
import { spawnFailure, type Chain, type Step } from '../chain';
import { ExeclineError, say, usage, warn } from '../errors';
import { codes, options } from '../options';

/** A block's outcome: exit code, or the signal it died of. */
function crashed(t: Termination): number | undefined {
  return t.signal ?? undefined;
}

/** The child's termination, or execline's exit 111 for one that could not be spawned. */
async function mustRun(chain: Chain, argv: string[], program: string): Promise<Termination> {
  const t = await chain.runChild(argv);
  if (t instanceof SpawnError) throw new ExeclineError(program, 111, spawnFailure(t));
  return t;
}

export async function foreground(args: string[], chain: Chain): Promise<Step> {
  const block = readBlock(args, 0, 'foreground');
  const t = await chain.runChild(block.words);
  let status: number;
  if (t instanceof SpawnError) {
    warn('foreground', spawnFailure(t));
    status = t.exitCode;
  } else status = t.signal !== null ? 256 + t.signal : (t.code ?? 0);
  environ.set('?', String(status));
  return args.slice(block.next);
}

const BACKGROUND = 'background [ -d ] { prog1... } prog2...';
export async function background(args: string[], chain: Chain): Promise<Step> {
  const o = options(args, 'd', 'background', BACKGROUND);
  const block = readBlock(o.operands, 0, 'background');
  const rest = o.operands.slice(block.next);
  // -d: double-forked, prog1 is nobody's child here; as execline, only when something follows the block
  const pid = o.has('d') && rest.length > 0 ? chain.spawnDetached(block.words, 'background') : await attached(block.words, chain);
  environ.set('!', String(pid));
  return rest;
}

async function attached(argv: string[], chain: Chain): Promise<number> {
  try {
    const child = await chain.spawn(argv);
    chain.children.set(child.pid, child.exited);
    return child.pid;
  } catch (err) {
    if (err instanceof SpawnError) throw new ExeclineError('background', 111, spawnFailure(err));
    throw err;
  }
}

const IF = 'if [ -n ] [ -X ] [ -t | -x exitcode ] { prog1... } prog2...';
export async function ifBuiltin(args: string[], chain: Chain): Promise<Step> {
  const o = options(args, 'nXtx:', 'if', IF);
  const block = readBlock(o.operands, 0, 'if');
  const t = await mustRun(chain, block.words, 'if');
  const signal = crashed(t);
  if (signal !== undefined) {
    if (!o.has('X')) say(`if: fatal: child crashed with signal ${signal}`);
    return 128 + signal;
  }
  const success = (t.code === 0) !== o.has('n');
  if (success) return o.operands.slice(block.next);
  if (o.last('tx') === 't') return 0;
  if (o.last('tx') === 'x') return Number(o.value('x'));
  return 1;
}

const IFELSE = 'ifelse [ -n ] [ -X ] { prog1... } { prog2... } prog3...';
export async function ifelse(args: string[], chain: Chain): Promise<Step> {
  const o = options(args, 'nX', 'ifelse', IFELSE);
  const { blocks, next } = readBlocks(o.operands, 0, 2, 'ifelse');
  const t = await mustRun(chain, blocks[0] as string[], 'ifelse');
  const signal = crashed(t);
  if (signal !== undefined && !o.has('X')) {
    say(`ifelse: fatal: child crashed with signal ${signal}`);
    return 128 + signal;
  }
  const success = signal === undefined && (t.code === 0) !== o.has('n');
  return success ? (blocks[1] as string[]) : o.operands.slice(next);
}

export function exit(args: string[]): Step {
  if (args.length === 0) return 0;
  if (!/^\d+$/.test(args[0] as string)) throw usage('exit', 'exit [ exitcode ]');
  return Number(args[0]) & 0xff;
}

const EXEC = 'exec [ -c ] [ -l ] [ -a argv0 ] prog...';
export function exec(args: string[], chain: Chain): Step {
  const o = options(args, 'cla:', 'exec', EXEC);
  if (o.operands.length === 0) throw usage('exec', EXEC);
  if (o.has('c')) environ.clear();
  const file = o.operands[0] as string;
  let argv0 = o.value('a') ?? file;
  if (o.has('l')) argv0 = `-${argv0}`;
  if (argv0 === file) return o.operands;
  return chain.exec([argv0, ...o.operands.slice(1)], file);
}

const LOOPWHILEX = 'loopwhilex [ -n ] [ -o okcode,okcode,... | -x exitcode,exitcode,... ] prog...';
export async function loopwhilex(args: string[], chain: Chain): Promise<Step> {
  const o = options(args, 'no:x:', 'loopwhilex', LOOPWHILEX);
  if (o.operands.length === 0) throw usage('loopwhilex', LOOPWHILEX);
  const which = o.last('ox');
  const listed = codes(which ? o.value(which) : '0', 'loopwhilex', LOOPWHILEX);
  // the codes that keep the loop going: -o's, the complement of -x's, or 0; -n inverts
  const keepsGoing = (code: number) => (which === 'x' ? !listed.has(code) : listed.has(code)) !== o.has('n');
  for (;;) {
    const t = await mustRun(chain, o.operands, 'loopwhilex');
    if (t.signal !== null) return 128 + t.signal;
    if (!keepsGoing(t.code ?? 0)) return t.code ?? 0;
  }
}
