/**
 * execlineb: reads a script (a file, or -c's text), turns it into one argv with its blocks encoded, handles the
 * positional parameters, and goes on with that argv — in this process, as the chain's next step.
 */
import { environ } from './environ';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Step } from './chain';
import { ExeclineError, strerror, usage, warn } from './errors';
import { pushPositionals } from './builtins/environment';
import { number, options } from './options';
import { scriptArgv, ScriptError } from './script';
import { substitute } from './substitute';

const EXECLINEB = 'execlineb [ -p | -P | -S nmin | -s nmin ] [ -q | -w | -W ] [ -c commandline ] script args';
const STRICT: Record<string, string | undefined> = { q: undefined, w: '1', W: '2' };

function readScript(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ExeclineError('execlineb', 111, `unable to open ${file}: ${strerror(err)}`);
  }
}

/** -S n / -s n: $#, $0, $1 … and $@ substituted into the script, nothing set in the environment. */
function substitutePositionals(argv: string[], name: string, args: string[], nmin: number, restOnly: boolean): string[] {
  if (args.length < nmin) warn('execlineb', `too few arguments: expecting at least ${nmin} but got ${args.length}`);
  const values = new Map<string, string[]>([
    ['#', [String(args.length)]],
    ['0', [name]],
    ['@', restOnly ? args.slice(nmin) : args],
  ]);
  for (let k = 1; k <= Math.max(nmin, args.length); k++) values.set(String(k), [args[k - 1] ?? '']);
  return substitute(argv, values);
}

/** $0 under -c: the name execlineb was called by, when it started this process; else its plain name. */
function invocationName(): string {
  const called = process.argv[1];
  return called !== undefined && path.basename(called) === 'execlineb' ? called : 'execlineb';
}

export function execlineb(argsIn: string[]): Step {
  const o = options(argsIn, 'pPS:s:qwWc:e', 'execlineb', EXECLINEB);
  const strict = o.last('qwW');
  if (strict !== undefined) {
    const value = STRICT[strict];
    if (value === undefined) environ.delete('EXECLINE_STRICT');
    else environ.set('EXECLINE_STRICT', value);
  }
  let text: string;
  let name: string;
  let args: string[];
  if (o.has('c')) {
    text = o.value('c') as string;
    name = invocationName();
    args = o.operands;
  } else {
    const [file, ...rest] = o.operands;
    if (file === undefined) throw usage('execlineb', EXECLINEB);
    text = readScript(file);
    name = file;
    args = rest;
  }
  let argv: string[];
  try {
    argv = scriptArgv(text);
  } catch (err) {
    if (!(err instanceof ScriptError)) throw err;
    throw new ExeclineError('execlineb', 100, o.has('c') ? err.message : `${name}: ${err.message}`);
  }
  const mode = o.last('pPSs');
  if (mode === 'S' || mode === 's') {
    const nmin = number(o.value(mode), 'execlineb', EXECLINEB);
    return substitutePositionals(argv, name, args, nmin, mode === 's');
  }
  if (mode === 'P') return argv;
  if (mode !== 'p') pushPositionals();
  environ.set('#', String(args.length));
  environ.set('0', name);
  args.forEach((a, k) => environ.set(String(k + 1), a));
  return argv;
}
