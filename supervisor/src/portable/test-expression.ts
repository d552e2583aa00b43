/**
 * The expression language of s6-test (execline's eltest): test(1)'s operators with any number of arguments, `-v VAR`
 * and `STRING =~ ERE`. A word that is an operator is never taken as a string, except after a backslash, which is
 * dropped (`\-n` is the string "-n"). Grammar, loosest first: or := and (-o and)* ; and := not (-a not)* ;
 * not := ! not | ( or ) | UNARY word | word BINARY word | word.
 */
import * as fs from 'node:fs';
import * as tty from 'node:tty';
import { UsageError } from '../cli/errors';
import { scanUint } from '../cli/getopt';

const UNARY = new Set(['-n', '-z', '-b', '-c', '-d', '-e', '-f', '-g', '-G', '-h', '-k', '-L', '-N', '-O', '-p', '-r']);
for (const op of ['-s', '-S', '-t', '-u', '-U', '-v', '-w', '-x']) UNARY.add(op);
const BINARY = new Set(['=', '!=', '<', '<=', '>', '>=', '=~', '-eq', '-ne', '-lt', '-le', '-gt', '-ge', '-ef', '-nt', '-ot']);
const GRAMMAR = new Set(['!', '(', ')', '-a', '-o']);

export type Node =
  | { kind: 'not'; of: Node }
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'unary'; op: string; arg: string }
  | { kind: 'binary'; op: string; left: string; right: string }
  | { kind: 'string'; value: string };

const isOperator = (word: string | undefined): boolean => word !== undefined && (UNARY.has(word) || BINARY.has(word) || GRAMMAR.has(word));
/** A word used as a string: its leading backslash dropped. */
const text = (word: string): string => (word.startsWith('\\') ? word.slice(1) : word);

class Parser {
  private at = 0;
  constructor(private readonly words: readonly string[]) {}

  parse(): Node {
    const node = this.or();
    if (this.at < this.words.length) this.fail();
    return node;
  }

  private fail(): never {
    throw new UsageError(`parse error at argument ${this.at + 1}`);
  }

  private or(): Node {
    let node = this.and();
    while (this.words[this.at] === '-o') {
      this.at++;
      node = { kind: 'or', left: node, right: this.and() };
    }
    return node;
  }

  private and(): Node {
    let node = this.not();
    while (this.words[this.at] === '-a') {
      this.at++;
      node = { kind: 'and', left: node, right: this.not() };
    }
    return node;
  }

  private not(): Node {
    const word = this.words[this.at];
    if (word === undefined) this.fail();
    if (word === '!') {
      this.at++;
      return { kind: 'not', of: this.not() };
    }
    if (word === '(') {
      this.at++;
      const inner = this.or();
      if (this.words[this.at] !== ')') this.fail();
      this.at++;
      return inner;
    }
    if (UNARY.has(word)) {
      const arg = this.operand(this.at + 1);
      this.at += 2;
      return { kind: 'unary', op: word, arg };
    }
    const left = this.operand(this.at);
    const op = this.words[this.at + 1];
    if (op !== undefined && BINARY.has(op)) {
      const right = this.operand(this.at + 2);
      this.at += 3;
      return { kind: 'binary', op, left, right };
    }
    this.at++;
    return { kind: 'string', value: left };
  }

  private operand(at: number): string {
    const word = this.words[at];
    if (word === undefined || isOperator(word)) {
      this.at = at;
      this.fail();
    }
    return text(word);
  }
}

export function parseExpression(words: readonly string[]): Node {
  return new Parser(words).parse();
}

export function evaluate(node: Node): boolean {
  switch (node.kind) {
    case 'not':
      return !evaluate(node.of);
    case 'and':
      return evaluate(node.left) && evaluate(node.right);
    case 'or':
      return evaluate(node.left) || evaluate(node.right);
    case 'string':
      return node.value !== '';
    case 'unary':
      return unary(node.op, node.arg);
    case 'binary':
      return binary(node.op, node.left, node.right);
  }
}

function stat(file: string, follow = true): fs.Stats | undefined {
  try {
    return follow ? fs.statSync(file) : fs.lstatSync(file);
  } catch {
    return undefined;
  }
}

function accessible(file: string, mode: number): boolean {
  try {
    fs.accessSync(file, mode);
    return true;
  } catch {
    return false;
  }
}

const FILE_TESTS: Record<string, (s: fs.Stats) => boolean> = {
  '-b': (s) => s.isBlockDevice(),
  '-c': (s) => s.isCharacterDevice(),
  '-d': (s) => s.isDirectory(),
  '-e': () => true,
  '-f': (s) => s.isFile(),
  '-g': (s) => (s.mode & 0o2000) !== 0,
  '-G': (s) => s.gid === process.getegid?.(),
  '-k': (s) => (s.mode & 0o1000) !== 0,
  '-N': (s) => s.mtimeMs > s.atimeMs,
  '-O': (s) => s.uid === process.geteuid?.(),
  '-U': (s) => s.uid === process.geteuid?.(),
  '-p': (s) => s.isFIFO(),
  '-s': (s) => s.size > 0,
  '-S': (s) => s.isSocket(),
  '-u': (s) => (s.mode & 0o4000) !== 0,
};

function unary(op: string, arg: string): boolean {
  if (op === '-n') return arg !== '';
  if (op === '-z') return arg === '';
  if (op === '-v') return process.env[arg] !== undefined;
  if (op === '-t') {
    const fd = scanUint(arg);
    if (fd === undefined) throw new UsageError(`-t requires an integer argument`);
    return isTerminal(fd);
  }
  if (op === '-h' || op === '-L') return stat(arg, false)?.isSymbolicLink() ?? false;
  if (op === '-r') return accessible(arg, fs.constants.R_OK);
  if (op === '-w') return accessible(arg, fs.constants.W_OK);
  if (op === '-x') return accessible(arg, fs.constants.X_OK);
  const s = stat(arg);
  return s !== undefined && (FILE_TESTS[op] as (s: fs.Stats) => boolean)(s);
}

function isTerminal(fd: number): boolean {
  try {
    return tty.isatty(fd);
  } catch {
    return false;
  }
}

/** skalibs' int_scan as eltest uses it: an optional sign and digits at the start; anything after them is ignored. */
function integer(op: string, word: string): number {
  const match = /^[+-]?\d+/.exec(word);
  if (!match) throw new UsageError(`${op} requires integer arguments`);
  return Number(match[0]);
}

function binary(op: string, left: string, right: string): boolean {
  switch (op) {
    case '=':
      return left === right;
    case '!=':
      return left !== right;
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compareStrings(op, Buffer.compare(Buffer.from(left), Buffer.from(right)));
    case '=~':
      return ere(right).test(left);
    case '-ef':
      return sameFile(left, right);
    case '-nt':
      return newer(left, right);
    case '-ot':
      return older(left, right);
  }
  const a = integer(op, left);
  const b = integer(op, right);
  const results: Record<string, boolean> = { '-eq': a === b, '-ne': a !== b, '-lt': a < b, '-le': a <= b, '-gt': a > b, '-ge': a >= b };
  return results[op] as boolean;
}

function compareStrings(op: string, order: number): boolean {
  return op === '<' ? order < 0 : op === '<=' ? order <= 0 : op === '>' ? order > 0 : order >= 0;
}

function sameFile(a: string, b: string): boolean {
  const sa = stat(a);
  const sb = stat(b);
  return sa !== undefined && sb !== undefined && sa.dev === sb.dev && sa.ino === sb.ino;
}

function mtime(file: string): bigint | undefined {
  try {
    return fs.statSync(file, { bigint: true }).mtimeNs;
  } catch {
    return undefined;
  }
}

/** eltest's -nt and -ot: a missing file is older than any existing one (so `new -nt missing` is true). */
function newer(a: string, b: string): boolean {
  const ta = mtime(a);
  if (ta === undefined) return false;
  const tb = mtime(b);
  return tb === undefined || ta > tb;
}

function older(a: string, b: string): boolean {
  const ta = mtime(a);
  if (ta === undefined) return true;
  const tb = mtime(b);
  return tb !== undefined && ta < tb;
}

const CLASSES: Record<string, string> = {
  alpha: 'a-zA-Z',
  digit: '0-9',
  alnum: '0-9a-zA-Z',
  upper: 'A-Z',
  lower: 'a-z',
  xdigit: '0-9A-Fa-f',
  space: ' \\t\\n\\v\\f\\r',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  cntrl: '\\x00-\\x1f\\x7f',
  print: ' -~',
  graph: '!-~',
};

/**
 * STRING =~ ERE: the POSIX ERE as a JavaScript RegExp. Bracket classes (`[[:digit:]]`) are the one common ERE
 * spelling JavaScript reads differently; they are rewritten. A pattern that does not compile is a usage error, as
 * eltest's regcomp failure is.
 */
function ere(pattern: string): RegExp {
  const source = pattern.replace(/\[:([a-z]+):\]/g, (whole, name: string) => CLASSES[name] ?? whole);
  try {
    return new RegExp(source);
  } catch (err) {
    throw new UsageError(`unable to compile ${pattern} into a regular expression: ${(err as Error).message}`);
  }
}
