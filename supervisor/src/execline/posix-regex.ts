/**
 * POSIX patterns as JavaScript regular expressions, for case: regcomp's extended and basic regular expressions in
 * the C locale with REG_NEWLINE (as execline's case compiles them), and fnmatch's shell patterns. Bracket expressions
 * (`[[:alpha:]]`, `[]a]`, `[=c=]`, a literal backslash) are glob.ts's.
 */
import { bracket, bracketEnd } from './glob';

const quote = (ch: string) => ch.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

/** GNU escapes glibc's regcomp knows, which JavaScript spells alike. */
const GNU_ESCAPES = new Set(['w', 'W', 's', 'S', 'b', 'B']);

/** One token of a regular expression at `i`: its JavaScript source and the index after it. Throws when invalid. */
function token(re: string, i: number, extended: boolean, start: boolean): [string, number] {
  const c = re[i] as string;
  if (c === '[') {
    const end = bracketEnd(re, i, true, false);
    if (end === -1) throw new Error('unmatched [');
    return [bracket(re.slice(i + 1, end), { noEscape: true, never: '\n', strict: true, bang: false }), end + 1];
  }
  if (c === '.') return ['[^\\n]', i + 1];
  if (c === '\\') {
    const next = re[i + 1];
    if (next === undefined) throw new Error('trailing backslash');
    if (/[1-9]/.test(next) || GNU_ESCAPES.has(next)) return [`\\${next}`, i + 2];
    // basic: \( \) \{ \} \| \+ \? are the operators (the last three GNU's)
    if (!extended && '(){}|+?'.includes(next)) return [next === '{' ? interval(re, i + 2) : next, i + 2];
    return [quote(next), i + 2];
  }
  if (extended) {
    if (c === '{') return [interval(re, i + 1), i + 1];
    return [c, i + 1];
  }
  // basic: ( ) { } | + ? are literal, * is literal first, ^ and $ anchor only at the ends
  if (c === '*' && start) return ['\\*', i + 1];
  if (c === '^' && i !== 0) return ['\\^', i + 1];
  if (c === '$' && i !== re.length - 1) return ['\\$', i + 1];
  return ['(){}|+?'.includes(c) ? `\\${c}` : c, i + 1];
}

/** The `{` of an interval, after checking that `m}`, `m,}` or `m,n}` follows (regcomp refuses anything else). */
function interval(re: string, at: number): string {
  if (!/^\d+(,\d*)?\\?\}/.test(re.slice(at))) throw new Error('invalid interval');
  return '{';
}

/** A POSIX regular expression (extended, or basic) as JavaScript source; throws on what regcomp refuses. */
export function regexSource(re: string, extended: boolean): string {
  let out = '';
  let i = 0;
  let previous = '';
  while (i < re.length) {
    const start = i === 0 || previous === '(' || previous === '^';
    const [source, next] = token(re, i, extended, start);
    out += source;
    previous = source;
    i = next;
  }
  new RegExp(out); // JavaScript's own refusals (unbalanced parentheses …) as regcomp's
  return out;
}

export interface FnmatchFlags {
  /** FNM_NOESCAPE: a backslash is an ordinary character. */
  noEscape: boolean;
  /** FNM_PATHNAME: `/` is matched only by a `/` in the pattern. */
  pathname: boolean;
  /** FNM_PERIOD: a leading `.` is matched only by a `.` in the pattern. */
  period: boolean;
}

/** A shell pattern as fnmatch(3) reads it, as JavaScript source (anchors not included). */
export function fnmatchSource(glob: string, flags: FnmatchFlags): string {
  const any = flags.pathname ? '[^/]' : '[^]';
  let out = flags.period && glob[0] !== '.' ? '(?!\\.)' : '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    const end = c === '[' ? bracketEnd(glob, i, flags.noEscape) : -1;
    if (c === '*') out += `${any}*`;
    else if (c === '?') out += any;
    else if (end !== -1) {
      const body = bracket(glob.slice(i + 1, end), { noEscape: flags.noEscape, never: flags.pathname ? '/' : '' });
      out += flags.pathname ? `(?!/)${body}` : body;
      i = end;
    } else if (c === '\\' && !flags.noEscape && i + 1 < glob.length) out += quote(glob[++i] as string);
    else out += quote(c);
  }
  return out;
}
