/** Loops: forx over a block of values, forstdin over the words of stdin. */
import { environ } from '../environ';
import * as fs from 'node:fs';
import { SpawnError } from '../../sys/spawner';
import type { Termination } from '../../sys/wait-status';
import { readBlock } from '../blocks';
import { spawnFailure, type Chain, type Step } from '../chain';
import { ExeclineError, strerror, usage } from '../errors';
import { codes, options, type Options } from '../options';
import { substitute, transform } from '../substitute';

/** The argv of one round: the value substituted (-E) or set in the environment (-e, the default). */
function round(o: Options, key: string, value: string, prog: string[]): string[] {
  if (o.last('Ee') === 'E') return substitute(prog, new Map([[key, [value]]]));
  environ.set(key, value);
  return prog;
}

/** Whether a round's exit code ends the loop, under -o okcodes or -x breakcodes. */
function breaks(o: Options, program: string, usageText: string): (code: number) => boolean {
  const which = o.last('ox');
  if (which === undefined) return () => false;
  const listed = codes(o.value(which), program, usageText);
  return which === 'o' ? (code) => !listed.has(code) : (code) => listed.has(code);
}

function code(t: Termination): number {
  return t.signal !== null ? 128 + t.signal : (t.code ?? 0);
}

/** Runs prog once per value, one after the other or all at once (-p); the loop's exit code. */
async function loop(chain: Chain, o: Options, program: string, usageText: string, key: string, values: string[], prog: string[]) {
  const stops = breaks(o, program, usageText);
  const start = async (value: string): Promise<Termination> => {
    try {
      return await (
        await chain.spawn(round(o, key, value, prog))
      ).exited;
    } catch (err) {
      if (err instanceof SpawnError) throw new ExeclineError(program, 111, spawnFailure(err));
      throw err;
    }
  };
  if (o.has('p')) {
    const all = await Promise.all(values.map(start));
    const stop = all.map(code).find(stops);
    return stop ?? 0;
  }
  for (const value of values) {
    const c = code(await start(value));
    if (stops(c)) return c;
  }
  return 0;
}

const FORX = 'forx [ -E | -e ] [ -p ] [ -o okcode,okcode,... | -x breakcode,breakcode,... ] var { values... } command...';
export async function forx(args: string[], chain: Chain): Promise<Step> {
  const o = options(args, 'Eepo:x:', 'forx', FORX);
  const [key, ...more] = o.operands;
  if (key === undefined || more.length === 0) throw usage('forx', FORX);
  const block = readBlock(more, 0, 'forx');
  return loop(chain, o, 'forx', FORX, key, block.words, more.slice(block.next));
}

const FORSTDIN =
  'forstdin [ -E | -e ] [ -p | -o okcode,okcode,... | -x breakcode,breakcode,... ] [ -N | -n ] [ -C | -c ] [ -0 | -d delim ] ' +
  'var command...';
export async function forstdin(args: string[], chain: Chain): Promise<Step> {
  const o = options(args, 'Eepo:x:nNCc0d:', 'forstdin', FORSTDIN);
  const [key, ...prog] = o.operands;
  if (key === undefined || prog.length === 0) throw usage('forstdin', FORSTDIN);
  let text: string;
  try {
    const stdin = chain.fds.real(0);
    if (stdin === undefined) throw Object.assign(new Error('EBADF'), { code: 'EBADF' });
    text = fs.readFileSync(stdin).toString();
  } catch (err) {
    throw new ExeclineError('forstdin', 111, `unable to read stdin: ${strerror(err)}`);
  }
  const delimiters = o.has('0') ? '\0' : (o.value('d') ?? '\n');
  const values = transform(text, { split: true, delimiters, crunch: o.last('Cc') === 'C', chomp: false });
  // forstdin takes only terminated words: a last one with no delimiter after it is dropped
  if (text !== '' && !delimiters.includes(text[text.length - 1] as string)) values.pop();
  return loop(chain, o, 'forstdin', FORSTDIN, key, values, prog);
}
