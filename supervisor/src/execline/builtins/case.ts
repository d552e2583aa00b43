/**
 * case: the first of a block's regular expressions (POSIX extended by default, -e basic; -s shell patterns, -S back
 * to regular expressions; -i ignoring case) that matches the whole value (or, REG_NEWLINE, one of its lines) runs its
 * block; none: the rest runs. -N puts the match in the environment as positional parameters (`#`, `0` the expression,
 * `1`… the subexpressions).
 */
import { readBlock } from '../blocks';
import type { Step } from '../chain';
import { environ } from '../environ';
import { ExeclineError, usage } from '../errors';
import { options } from '../options';
import { fnmatchSource, regexSource } from '../posix-regex';

const CASE = 'case [ -s | -S ] [ -e | -E ] [ -n | -N ] [ -i ] value { re1 { prog1... } re2 { prog2... } ... } progdefault...';

interface Flags {
  shell: boolean;
  extended: boolean;
  /** -N: the match goes to the environment; for a shell pattern, FNM_PATHNAME (as execline 2.9.3 passes it). */
  sub: boolean;
  /** -i: REG_ICASE; for a shell pattern, FNM_PERIOD (as execline 2.9.3 passes it). */
  icase: boolean;
}

/**
 * A pattern as execline's case compiles it: `^re$` with REG_NEWLINE (so it may match one line of the value), or a
 * shell pattern for fnmatch with -e as FNM_NOESCAPE. A regular expression regcomp would refuse is a fatal error (100).
 */
function compile(pattern: string, f: Flags): RegExp {
  if (f.shell) return new RegExp(`^(?:${fnmatchSource(pattern, { noEscape: !f.extended, pathname: f.sub, period: f.icase })})$`);
  try {
    return new RegExp(`^(?:${regexSource(pattern, f.extended)})$`, f.icase ? 'im' : 'm');
  } catch (err) {
    throw new ExeclineError('case', 100, `unable to regcomp "^${pattern}$": ${(err as Error).message}`);
  }
}

export function caseBuiltin(args: string[]): Step {
  const o = options(args, 'sSeEnNi', 'case', CASE);
  const [value, ...more] = o.operands;
  if (value === undefined || more.length === 0) throw usage('case', CASE);
  const outer = readBlock(more, 0, 'case');
  const f: Flags = { shell: o.last('sS') === 's', extended: o.last('eE') !== 'e', sub: o.last('nN') === 'N', icase: o.has('i') };
  for (let i = 0; i < outer.words.length;) {
    const pattern = outer.words[i] as string;
    const inner = readBlock(outer.words, i + 1, 'case');
    const match = compile(pattern, f).exec(value);
    if (match) {
      if (f.sub && !f.shell) {
        environ.set('#', String(match.length - 1));
        match.forEach((group, k) => environ.set(String(k), group ?? ''));
        environ.set('0', pattern); // as execline: $0 is the expression that matched, not the matched text
      }
      return inner.words;
    }
    i = inner.next;
  }
  return more.slice(outer.next);
}
