/** The process state a chain carries: export, unexport, emptyenv, cd. */
import { environ } from '../environ';
import type { Step } from '../chain';
import { ExeclineError, strerror, usage } from '../errors';
import { options } from '../options';

const EXPORT = 'export variable value prog...';
export function exportBuiltin(args: string[]): Step {
  const [name, value, ...rest] = args;
  if (name === undefined || value === undefined || name.includes('=')) throw usage('export', EXPORT);
  environ.set(name, value);
  return rest;
}

const UNEXPORT = 'unexport variable prog...';
export function unexport(args: string[]): Step {
  const [name, ...rest] = args;
  if (name === undefined || name.includes('=')) throw usage('unexport', UNEXPORT);
  environ.delete(name);
  return rest;
}

/** A positional parameter, or one of an older frame (`1:2`): `#`, `0`…, with an optional `:depth`. */
const POSITIONAL = /^(#|\d+)(?::(\d+))?$/;
const ELGETOPT = /^ELGETOPT_.*?(?::(\d+))?$/;

/** Drops the current frame of the variables `pattern` matches and moves the older frames up by one. */
function pop(pattern: RegExp): void {
  const names = environ.names().filter((n) => pattern.test(n));
  const frames = names.map((n) => ({ name: n, depth: Number((pattern.exec(n) as RegExpExecArray).at(-1) ?? 0) }));
  const moved: Record<string, string> = {};
  for (const { name, depth } of frames) {
    const value = environ.get(name) as string;
    environ.delete(name);
    if (depth === 0) continue;
    const base = name.replace(/:\d+$/, '');
    moved[depth === 1 ? base : `${base}:${depth - 1}`] = value;
  }
  for (const [name, value] of Object.entries(moved)) environ.set(name, value);
}

const EMPTYENV = 'emptyenv [ -p | -c | -o | -P ] prog...';
export function emptyenv(args: string[]): Step {
  const o = options(args, 'pcoP', 'emptyenv', EMPTYENV);
  if (o.operands.length === 0) throw usage('emptyenv', EMPTYENV);
  if (o.has('P')) pop(POSITIONAL);
  else if (o.has('o')) pop(ELGETOPT);
  else if (o.has('c')) {
    for (const name of environ.names()) if (POSITIONAL.test(name) || ELGETOPT.test(name)) environ.delete(name);
  } else {
    const path = environ.get('PATH');
    environ.clear();
    if (o.has('p') && path !== undefined) environ.set('PATH', path);
  }
  return o.operands;
}

/** execlineb's push: the positional parameters move one frame down (`1` → `1:1`, `1:1` → `1:2`). */
export function pushPositionals(): void {
  const names = environ.names().filter((n) => POSITIONAL.test(n));
  const moved: Record<string, string> = {};
  for (const name of names) {
    const m = POSITIONAL.exec(name) as RegExpExecArray;
    moved[`${m[1]}:${Number(m[2] ?? 0) + 1}`] = environ.get(name) as string;
    environ.delete(name);
  }
  for (const [name, value] of Object.entries(moved)) environ.set(name, value);
}

const CD = 'cd path prog...';
export function cd(args: string[]): Step {
  const [dir, ...rest] = args;
  if (dir === undefined) throw usage('cd', CD);
  try {
    process.chdir(dir);
  } catch (err) {
    throw new ExeclineError('cd', 111, `unable to chdir to ${dir}: ${strerror(err)}`);
  }
  return rest;
}
