/**
 * eltest: test(1) as execline 2.9 has it. Exit 0 true, 1 false, 100 on a parse error or a non-integer where an integer
 * is wanted (one `eltest: fatal:` line). Grammar: -o binds looser than -a, `!` negates, `( … )` groups.
 */
import * as fs from 'node:fs';
import { isatty } from 'node:tty';
import type { Step } from '../chain';
import { environ } from '../environ';
import { ExeclineError } from '../errors';

type Stat = fs.Stats | undefined;

function stat(file: string, follow = true): Stat {
  try {
    return follow ? fs.statSync(file) : fs.lstatSync(file);
  } catch {
    return undefined;
  }
}

function access(file: string, mode: number): boolean {
  try {
    fs.accessSync(file, mode);
    return true;
  } catch {
    return false;
  }
}

const UNARY: Record<string, (arg: string) => boolean> = {
  '-n': (a) => a !== '',
  '-z': (a) => a === '',
  '-e': (a) => stat(a) !== undefined,
  '-f': (a) => stat(a)?.isFile() ?? false,
  '-d': (a) => stat(a)?.isDirectory() ?? false,
  '-b': (a) => stat(a)?.isBlockDevice() ?? false,
  '-c': (a) => stat(a)?.isCharacterDevice() ?? false,
  '-p': (a) => stat(a)?.isFIFO() ?? false,
  '-S': (a) => stat(a)?.isSocket() ?? false,
  '-h': (a) => stat(a, false)?.isSymbolicLink() ?? false,
  '-L': (a) => stat(a, false)?.isSymbolicLink() ?? false,
  '-s': (a) => (stat(a)?.size ?? 0) > 0,
  '-g': (a) => ((stat(a)?.mode ?? 0) & 0o2000) !== 0,
  '-u': (a) => ((stat(a)?.mode ?? 0) & 0o4000) !== 0,
  '-k': (a) => ((stat(a)?.mode ?? 0) & 0o1000) !== 0,
  '-r': (a) => access(a, fs.constants.R_OK),
  '-w': (a) => access(a, fs.constants.W_OK),
  '-x': (a) => access(a, fs.constants.X_OK),
  '-O': (a) => stat(a)?.uid === process.geteuid?.(),
  '-U': (a) => stat(a)?.uid === process.geteuid?.(),
  '-G': (a) => stat(a)?.gid === process.getegid?.(),
  '-t': (a) => /^\d+$/.test(a) && isatty(Number(a)),
  '-v': (a) => environ.get(a) !== undefined,
};

function integer(text: string, op: string): bigint {
  if (!/^[+-]?\d+$/.test(text.trim())) throw new ExeclineError('eltest', 100, `${op} requires integer arguments`);
  return BigInt(text.trim());
}

function mtime(file: string): number | undefined {
  return stat(file)?.mtimeMs;
}

const BINARY: Record<string, (a: string, b: string, op: string) => boolean> = {
  '=': (a, b) => a === b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '<': (a, b) => a < b,
  '>': (a, b) => a > b,
  '=~': (a, b) => new RegExp(b).test(a),
  '-eq': (a, b, op) => integer(a, op) === integer(b, op),
  '-ne': (a, b, op) => integer(a, op) !== integer(b, op),
  '-lt': (a, b, op) => integer(a, op) < integer(b, op),
  '-le': (a, b, op) => integer(a, op) <= integer(b, op),
  '-gt': (a, b, op) => integer(a, op) > integer(b, op),
  '-ge': (a, b, op) => integer(a, op) >= integer(b, op),
  '-nt': (a, b) => (mtime(a) ?? -Infinity) > (mtime(b) ?? -Infinity) && mtime(a) !== undefined,
  '-ot': (a, b) => (mtime(a) ?? Infinity) < (mtime(b) ?? Infinity) && mtime(b) !== undefined,
  '-ef': (a, b) => {
    const sa = stat(a);
    const sb = stat(b);
    return sa !== undefined && sb !== undefined && sa.dev === sb.dev && sa.ino === sb.ino;
  },
};

class Parser {
  private at = 0;
  constructor(private readonly words: readonly string[]) {}

  private fail(): never {
    throw new ExeclineError('eltest', 100, `parse error at argument ${this.at + 1}`);
  }

  parse(): boolean {
    const value = this.or();
    if (this.at !== this.words.length) this.fail();
    return value;
  }

  private or(): boolean {
    let value = this.and();
    while (this.words[this.at] === '-o') {
      this.at++;
      value = this.and() || value;
    }
    return value;
  }

  private and(): boolean {
    let value = this.not();
    while (this.words[this.at] === '-a') {
      this.at++;
      value = this.not() && value;
    }
    return value;
  }

  private not(): boolean {
    if (this.words[this.at] === '!') {
      this.at++;
      return !this.not();
    }
    return this.primary();
  }

  private primary(): boolean {
    const word = this.words[this.at];
    if (word === undefined) this.fail();
    const next = this.words[this.at + 1];
    if (next !== undefined && Object.hasOwn(BINARY, next) && this.at + 2 < this.words.length) {
      this.at += 3;
      return (BINARY[next] as (a: string, b: string, op: string) => boolean)(word, this.words[this.at - 1] as string, next);
    }
    if (word === '(') {
      this.at++;
      const value = this.or();
      if (this.words[this.at] !== ')') this.fail();
      this.at++;
      return value;
    }
    if (Object.hasOwn(UNARY, word)) {
      if (next === undefined) this.fail();
      this.at += 2;
      return (UNARY[word] as (a: string) => boolean)(next);
    }
    if (word.startsWith('-') && word.length > 1 && next !== undefined && !['-a', '-o', ')'].includes(next)) this.fail();
    this.at++;
    return word !== '';
  }
}

export function eltest(args: string[]): Step {
  if (args.length === 0) return 1;
  return new Parser(args).parse() ? 0 : 1;
}
