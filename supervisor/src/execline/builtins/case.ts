/**
 * case: the first of a block's regular expressions (extended by default, -e basic; -s/-S shell globs, -S with `/`
 * matched only literally; -i ignoring case) that matches the whole value runs its block; none: the rest runs. -N
 * puts the match in the environment as positional parameters (`#`, `0` the expression, `1`… the subexpressions).
 */
import { readBlock } from '../blocks';
import type { Step } from '../chain';
import { environ } from '../environ';
import { ExeclineError, usage } from '../errors';
import { options } from '../options';

const CASE = 'case [ -s | -S ] [ -e | -E ] [ -n | -N ] [ -i ] value { re1 { prog1... } re2 { prog2... } ... } progdefault...';

/** A shell glob as a regular expression source; `pathname`: `*`, `?` and brackets never match `/`. */
function globSource(glob: string, pathname: boolean): string {
  const any = pathname ? '[^/]' : '.';
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') out += `${any}*`;
    else if (c === '?') out += any;
    else if (c === '[' && glob.indexOf(']', i + 2) !== -1) {
      const end = glob.indexOf(']', i + 2);
      const body = glob
        .slice(i + 1, end)
        .replace(/^!/, '^')
        .replace(/\\/g, '\\\\');
      out += `[${body}]`;
      i = end;
    } else if (c === '\\' && i + 1 < glob.length) out += (glob[++i] as string).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return out;
}

/** A POSIX basic regular expression as an extended one: \( \) \{ \} are the operators, ( ) { } + ? | literals. */
function basicSource(re: string): string {
  return re.replace(/\\([(){}|+?])|([(){}|+?])/g, (_, escaped: string | undefined, bare: string | undefined) =>
    escaped !== undefined ? (escaped === '|' || escaped === '+' || escaped === '?' ? `\\${escaped}` : escaped) : `\\${bare}`,
  );
}

function compile(pattern: string, mode: string, ignoreCase: boolean): RegExp {
  const source = mode === 's' || mode === 'S' ? globSource(pattern, mode === 'S') : mode === 'e' ? basicSource(pattern) : pattern;
  try {
    return new RegExp(`^(?:${source})$`, ignoreCase ? 'i' : '');
  } catch {
    throw new ExeclineError('case', 100, `unable to compile regular expression ${pattern}`);
  }
}

export function caseBuiltin(args: string[]): Step {
  const o = options(args, 'sSeEnNi', 'case', CASE);
  const [value, ...more] = o.operands;
  if (value === undefined || more.length === 0) throw usage('case', CASE);
  const outer = readBlock(more, 0, 'case');
  const mode = o.last('sSeE') ?? 'E';
  for (let i = 0; i < outer.words.length;) {
    const pattern = outer.words[i] as string;
    const inner = readBlock(outer.words, i + 1, 'case');
    const match = compile(pattern, mode, o.has('i')).exec(value);
    if (match) {
      if (o.last('nN') === 'N') {
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
