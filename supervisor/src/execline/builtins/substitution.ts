/** The substitution commands: importas, define, multidefine, multisubstitute, getcwd, backtick, withstdinas. */
import { environ } from '../environ';
import * as fs from 'node:fs';
import { native } from '../../sys/native';
import { SpawnError } from '../../sys/spawner';
import { readBlock } from '../blocks';
import { spawnFailure, type Chain, type Step } from '../chain';
import { ExeclineError, strerror, usage } from '../errors';
import { options, type Options } from '../options';
import { DEFAULT_DELIMITERS, substitute, transform, type Transform } from '../substitute';

const TRANSFORM_SPEC = 'nNsCcd:';

function transformOf(o: Options): Transform {
  return {
    split: o.has('s'),
    delimiters: o.value('d') ?? DEFAULT_DELIMITERS,
    crunch: o.last('Cc') === 'C',
    chomp: o.last('nN') === 'n',
  };
}

/** One key → words; `undefined` value: the key stands for no word at all. */
type Binding = [string, string[]];

const IMPORTAS = 'importas [ -i | -D default ] [ -u ] [ -N | -n ] [ -s ] [ -C | -c ] [ -d delim ] key var prog...';

/** importas's options and operands (also inside multisubstitute): the binding and the words after it. */
function importasBinding(args: string[]): { binding: Binding; rest: string[] } {
  const o = options(args, `iuD:${TRANSFORM_SPEC}`, 'importas', IMPORTAS);
  const [key, ...more] = o.operands;
  const variable = more.shift();
  if (key === undefined || variable === undefined) throw usage('importas', IMPORTAS);
  const value = environ.get(variable);
  if (o.has('u')) environ.delete(variable);
  let words: string[];
  if (value !== undefined) words = transform(value, transformOf(o));
  else if (o.last('iD') === 'i') throw new ExeclineError('importas', 100, `${variable} not set`);
  else if (o.last('iD') === 'D') words = transform(o.value('D') as string, transformOf(o));
  else words = [];
  return { binding: [key, words], rest: more };
}

export function importas(args: string[]): Step {
  const { binding, rest } = importasBinding(args);
  return substitute(rest, new Map([binding]));
}

const DEFINE = 'define [ -N | -n ] [ -s ] [ -C | -c ] [ -d delim ] key value prog...';
function defineBinding(args: string[]): { binding: Binding; rest: string[] } {
  const o = options(args, TRANSFORM_SPEC, 'define', DEFINE);
  const [key, value, ...rest] = o.operands;
  if (key === undefined || value === undefined) throw usage('define', DEFINE);
  return { binding: [key, transform(value, transformOf(o))], rest };
}

export function define(args: string[]): Step {
  const { binding, rest } = defineBinding(args);
  return substitute(rest, new Map([binding]));
}

const MULTIDEFINE = 'multidefine [ -0 ] [ -r ] [ -N | -n ] [ -C | -c ] [ -d delim ] value { vars... } prog...';
function multidefineBindings(args: string[]): { bindings: Binding[]; rest: string[] } {
  const o = options(args, '0rnNCcd:', 'multidefine', MULTIDEFINE);
  const [value, ...more] = o.operands;
  if (value === undefined || more.length === 0) throw usage('multidefine', MULTIDEFINE);
  const block = readBlock(more, 0, 'multidefine');
  const t = transformOf(o);
  const words = transform(value, { ...t, split: true, crunch: o.last('Cc') !== 'c' });
  const bindings = block.words.map((key, k): Binding => {
    if (o.has('r') && k === block.words.length - 1) return [key, words.slice(k)];
    const word = words[k];
    return [key, word !== undefined ? [word] : []];
  });
  return { bindings: bindings.filter(([key]) => key !== ''), rest: more.slice(block.next) };
}

export function multidefine(args: string[]): Step {
  const { bindings, rest } = multidefineBindings(args);
  return substitute(rest, new Map(bindings));
}

/** One command of a multisubstitute block: its bindings and the words after it. */
function substitutionCommand(command: string, rest: string[]): { bindings: Binding[]; rest: string[] } {
  if (command === 'multidefine') return multidefineBindings(rest);
  const one = command === 'define' ? defineBinding(rest) : command === 'importas' ? importasBinding(rest) : undefined;
  if (!one) throw new ExeclineError('multisubstitute', 100, `unrecognized substitution command: ${command}`);
  return { bindings: [one.binding], rest: one.rest };
}

const MULTISUBSTITUTE = 'multisubstitute { [ define ... ] [ importas ... ] ... } prog...';
/** The commands of a multisubstitute block, each run up to the next command's name; all substituted at once. */
export function multisubstitute(args: string[]): Step {
  if (args.length === 0) throw usage('multisubstitute', MULTISUBSTITUTE);
  const block = readBlock(args, 0, 'multisubstitute');
  const values = new Map<string, string[]>();
  let words = block.words;
  while (words.length > 0) {
    const [command, ...rest] = words;
    const taken = substitutionCommand(command as string, rest);
    for (const [key, v] of taken.bindings) values.set(key, v);
    words = taken.rest;
  }
  return substitute(args.slice(block.next), values);
}

/** -E substitutes the value into the rest of the command line; -e (the default) sets the environment variable. */
function setOrSubstitute(o: Options, key: string, value: string | undefined, rest: string[]): Step {
  if (o.last('Ee') === 'E') {
    // execline's -E is the variable set, then `importas -ui`: an unset one fails as importas does
    if (value === undefined) throw new ExeclineError('importas', 100, `${key} not set`);
    return substitute(rest, new Map([[key, [value]]]));
  }
  if (value === undefined) environ.delete(key);
  else environ.set(key, value);
  return rest;
}

const GETCWD = 'getcwd [ -E | -e ] variable prog...';
export function getcwd(args: string[]): Step {
  const o = options(args, 'Ee', 'getcwd', GETCWD);
  const [key, ...rest] = o.operands;
  if (key === undefined) throw usage('getcwd', GETCWD);
  return setOrSubstitute(o, key, process.cwd(), rest);
}

/** The value a failed or crashed producer leaves: -i fails the chain, -I keeps its output, -x unsets, -D gives a default. */
function onFailure(o: Options, program: string, why: string, code: number, output: string): string | undefined {
  const mode = o.last('iIxD') ?? 'i';
  if (mode === 'i') throw new ExeclineError(program, code, why);
  if (mode === 'I') return checkedValue(o, program, output);
  return mode === 'D' ? o.value('D') : undefined;
}

function checkedValue(o: Options, program: string, text: string): string | undefined {
  if (text.includes('\0')) return onFailure(o, program, 'child output contains a null character', 1, '');
  // backtick and withstdinas chomp by default (-n); -N keeps the last newline
  return o.last('nN') !== 'N' && text.endsWith('\n') ? text.slice(0, -1) : text;
}

const BACKTICK = 'backtick [ -i | -I | -x | -D default ] [ -N | -n ] [ -E | -e ] var { prog... } remainder...';
export async function backtick(args: string[], chain: Chain): Promise<Step> {
  const o = options(args, 'iIxD:nNEe', 'backtick', BACKTICK);
  const [key, ...more] = o.operands;
  if (key === undefined || more.length === 0) throw usage('backtick', BACKTICK);
  const block = readBlock(more, 0, 'backtick');
  const rest = more.slice(block.next);
  // the output through a pipe of our own, read synchronously: a Node stream over it would, when destroyed, make Node
  // set up process.stderr, and with it O_NONBLOCK on a socket or pipe the final program inherits as fd 2
  const [r, w] = native().pipe();
  let child;
  try {
    child = await chain.spawn(block.words, { 1: w });
  } catch (err) {
    fs.closeSync(r);
    if (err instanceof SpawnError) throw new ExeclineError('backtick', 111, spawnFailure(err));
    throw err;
  } finally {
    fs.closeSync(w);
  }
  let output: Buffer;
  try {
    output = fs.readFileSync(r);
  } finally {
    fs.closeSync(r);
  }
  const t = await child.exited;
  let value: string | undefined;
  if (t.signal !== null) value = onFailure(o, 'backtick', 'child process crashed', 128 + t.signal, output.toString());
  else if (t.code !== 0) value = onFailure(o, 'backtick', 'child process exited non-zero', 1, output.toString());
  else value = checkedValue(o, 'backtick', output.toString());
  return setOrSubstitute(o, key, value, rest);
}

const WITHSTDINAS = 'withstdinas [ -i | -I | -D default ] [ -N | -n ] [ -E | -e ] var remainder...';
export function withstdinas(args: string[], chain: Chain): Step {
  const o = options(args, 'iIxD:nNEe', 'withstdinas', WITHSTDINAS);
  const [key, ...rest] = o.operands;
  if (key === undefined) throw usage('withstdinas', WITHSTDINAS);
  const stdin = chain.fds.real(0);
  let text: string;
  try {
    if (stdin === undefined) throw Object.assign(new Error('EBADF'), { code: 'EBADF' });
    text = fs.readFileSync(stdin).toString();
  } catch (err) {
    throw new ExeclineError('withstdinas', 111, `unable to read stdin: ${strerror(err)}`);
  }
  return setOrSubstitute(o, key, checkedValue(o, 'withstdinas', text), rest);
}
