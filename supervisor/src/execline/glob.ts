/**
 * glob(3) as execline's elglob asks for it (glibc's semantics): each `/`-separated part of the pattern matched
 * against a directory's entries in readdir order (`.` and `..` included, so `.*` finds them), a leading dot matched
 * only by a literal one, backslash quoting unless `noEscape`, `[…]` classes with `!`/`^`, ranges and `[:name:]`.
 * Not Node's fs.globSync: it knows `**` and braces, hides `.` and `..`, and sorts.
 */
import * as fs from 'node:fs';

export interface GlobFlags {
  /** GLOB_NOESCAPE: a backslash is an ordinary character. */
  noEscape: boolean;
  /** GLOB_MARK: a slash after each directory. */
  mark: boolean;
  /** Told each directory that could not be read (GLOB_ERR's errfunc); returning true aborts. */
  onError: (dir: string, err: unknown) => boolean;
}

export class GlobAborted extends Error {}

const CLASSES: Record<string, string> = {
  alpha: 'a-zA-Z',
  digit: '0-9',
  alnum: 'a-zA-Z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t',
  xdigit: '0-9a-fA-F',
  punct: '!-\\/:-@\\[-`{-~',
  print: ' -~',
  graph: '!-~',
  cntrl: '\\x00-\\x1f\\x7f',
};

const quote = (ch: string) => ch.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

/** The end of a `[…]` starting at `i` (index of its `]`), or -1 when unclosed (then `[` is literal in a glob). */
export function bracketEnd(p: string, i: number, noEscape: boolean, bang = true): number {
  let j = i + 1;
  if ((p[j] === '!' && bang) || p[j] === '^') j++;
  if (p[j] === ']') j++;
  for (; j < p.length; j++) {
    if (p[j] === ']') return j;
    if (p[j] === '\\' && !noEscape) j++;
    else if (/^\[[:=.]/.test(p.slice(j, j + 2))) {
      const close = p.indexOf(`${p[j + 1]}]`, j + 2);
      if (close !== -1) j = close + 1;
    }
  }
  return -1;
}

export interface BracketOptions {
  /** A backslash is an ordinary character (always so in a regular expression's brackets). */
  noEscape: boolean;
  /** Characters a negated bracket never matches (`\n` under REG_NEWLINE, `/` under FNM_PATHNAME). */
  never?: string;
  /** An unknown `[:name:]` is an error (regcomp) rather than matching nothing (glob, fnmatch). */
  strict?: boolean;
  /** `!` negates as `^` does (globs). */
  bang?: boolean;
}

/** A bracket expression's body (between `[` and `]`) as a JavaScript class: `[:name:]` (ASCII), `[=c=]`, `[.c.]`. */
export function bracket(body: string, options: BracketOptions): string {
  let out = '';
  let k = 0;
  const negate = body[0] === '^' || (body[0] === '!' && options.bang !== false);
  if (negate) k++;
  for (; k < body.length; k++) {
    const m = /^\[(:|=|\.)(.+?)\1\]/.exec(body.slice(k));
    if (m) {
      const name = m[2] as string;
      if (m[1] === ':' && CLASSES[name] === undefined && options.strict) throw new Error(`invalid character class: ${name}`);
      out += m[1] === ':' ? (CLASSES[name] ?? '') : quote(name);
      k += m[0].length - 1;
      continue;
    }
    if (body[k] === '\\' && !options.noEscape && k + 1 < body.length) k++;
    out += body[k] === '-' && k > (negate ? 1 : 0) && k < body.length - 1 ? '-' : quote(body[k] as string);
  }
  const never = negate ? quote(options.never ?? '').replace(/\n/, '\\n') : '';
  return `[${negate ? '^' : ''}${out}${never}]`;
}

/** One part of the pattern as a RegExp, or its literal text when it has no wildcard. */
export function compile(part: string, noEscape: boolean): RegExp | string {
  let source = '';
  let literal = '';
  let magic = false;
  for (let i = 0; i < part.length; i++) {
    const ch = part[i] as string;
    if (ch === '\\' && !noEscape && i + 1 < part.length) {
      literal += part[++i];
      source += quote(part[i] as string);
    } else if (ch === '*' || ch === '?') {
      magic = true;
      source += ch === '*' ? '[^]*' : '[^]';
    } else if (ch === '[' && bracketEnd(part, i, noEscape) !== -1) {
      const end = bracketEnd(part, i, noEscape);
      magic = true;
      source += bracket(part.slice(i + 1, end), { noEscape });
      i = end;
    } else {
      literal += ch;
      source += quote(ch);
    }
  }
  if (!magic) return literal;
  // a leading dot is matched only by a literal one (FNM_PERIOD)
  return new RegExp(`^${source[0] === '\\' && source[1] === '.' ? '' : '(?!\\.)'}${source}$`, 'u');
}

/** A directory's entries in the order readdir gives them (fs.readdirSync sorts), `.` and `..` first. */
function entries(dir: string, flags: GlobFlags): string[] {
  let d: fs.Dir;
  try {
    d = fs.opendirSync(dir || '.');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOTDIR' && flags.onError(dir || '.', err)) throw new GlobAborted();
    return [];
  }
  const names = ['.', '..'];
  try {
    for (let e = d.readSync(); e !== null; e = d.readSync()) names.push(e.name);
  } finally {
    d.closeSync();
  }
  return names;
}

const exists = (file: string) => fs.lstatSync(file, { throwIfNoEntry: false }) !== undefined;
const isDirectory = (file: string) => fs.statSync(file, { throwIfNoEntry: false })?.isDirectory() === true;

/** The paths `pattern` matches, unsorted (readdir order); empty when none. */
export function glob(pattern: string, flags: GlobFlags): string[] {
  const parts = pattern.split('/');
  let found = [pattern.startsWith('/') ? '/' : ''];
  if (pattern.startsWith('/')) parts.shift();
  parts.forEach((part, k) => {
    const last = k === parts.length - 1;
    if (part === '') {
      // `a//b` or a trailing slash: only directories go on
      found = found.filter((f) => isDirectory(f || '.')).map((f) => (last && !f.endsWith('/') ? `${f}/` : f));
      return;
    }
    const compiled = compile(part, flags.noEscape);
    const join = (f: string, name: string) => (f === '' ? name : f.endsWith('/') ? f + name : `${f}/${name}`);
    if (typeof compiled === 'string') {
      found = found.map((f) => join(f, compiled));
      if (last) found = found.filter(exists);
    } else
      found = found.flatMap((f) =>
        entries(f, flags)
          .filter((name) => compiled.test(name))
          .map((name) => join(f, name)),
      );
  });
  if (flags.mark) found = found.map((f) => (!f.endsWith('/') && isDirectory(f) ? `${f}/` : f));
  return found.filter((f) => f !== '');
}

/** strcmp order (the C locale execline's scripts run in). */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
