/**
 * execline's variable substitution (el_substitute): `${KEY}`, or `$KEY` where the key runs to the next `$`, `{`, `}`
 * or the end of the word. Only the keys being substituted are touched. n backslashes before a `$` that names one:
 * n even, n/2 backslashes and the value; n odd, (n-1)/2 backslashes and the `$KEY` text itself. A value is a list of
 * words (a split value, `$@`): a word holding substitutions becomes the cross product of them, and zero words (an
 * unset variable) removes the word altogether.
 */

export type Values = ReadonlyMap<string, readonly string[]>;

type Piece = string | readonly string[];

/** The word as literal text and value lists, or undefined when no key of `values` occurs in it. */
function pieces(word: string, values: Values): Piece[] | undefined {
  const out: Piece[] = [];
  let literal = '';
  let found = false;
  let i = 0;
  while (i < word.length) {
    const dollar = word.indexOf('$', i);
    if (dollar === -1) break;
    let end: number;
    let key: string;
    if (word[dollar + 1] === '{') {
      const close = word.indexOf('}', dollar + 2);
      end = close === -1 ? -1 : close + 1;
      key = close === -1 ? '' : word.slice(dollar + 2, close);
    } else {
      const m = /^[^${}]*/.exec(word.slice(dollar + 1)) as RegExpExecArray;
      key = m[0];
      end = dollar + 1 + key.length;
    }
    const value = end !== -1 ? values.get(key) : undefined;
    if (value === undefined) {
      literal += word.slice(i, dollar + 1);
      i = dollar + 1;
      continue;
    }
    let slashes = 0;
    while (dollar - slashes - 1 >= i && word[dollar - slashes - 1] === '\\') slashes++;
    literal += word.slice(i, dollar - slashes) + '\\'.repeat(slashes >> 1);
    found = true;
    if (slashes % 2 === 1) literal += word.slice(dollar, end);
    else {
      out.push(literal, value);
      literal = '';
    }
    i = end;
  }
  if (!found) return undefined;
  out.push(literal + word.slice(i));
  return out;
}

function crossProduct(parts: Piece[]): string[] {
  let acc = [''];
  for (const part of parts) {
    if (typeof part === 'string') acc = acc.map((a) => a + part);
    else acc = acc.flatMap((a) => part.map((v) => a + v));
  }
  return acc;
}

export function substitute(argv: readonly string[], values: Values): string[] {
  if (values.size === 0) return [...argv];
  return argv.flatMap((word) => {
    const parts = pieces(word, values);
    return parts ? crossProduct(parts) : [word];
  });
}

export interface Transform {
  /** -s: split the value into words at each delimiter. */
  split: boolean;
  /** -d: the delimiters (default space, tab, newline, carriage return). */
  delimiters: string;
  /** -C: a run of delimiters counts as one. */
  crunch: boolean;
  /** -n: one trailing delimiter (the newline of a command's output) is removed. */
  chomp: boolean;
}

export const DEFAULT_DELIMITERS = ' \n\r\t';

/** A value as the words it stands for, under the substitution commands' -s -d -C -n options. */
export function transform(value: string, t: Transform): string[] {
  let v = value;
  const delims = t.delimiters;
  if (t.crunch && delims) {
    let out = '';
    for (const ch of v) if (!(delims.includes(ch) && out !== '' && delims.includes(out[out.length - 1] as string))) out += ch;
    v = out;
  }
  if (t.chomp && v !== '' && (delims.includes(v[v.length - 1] as string) || (!t.split && v.endsWith('\n')))) v = v.slice(0, -1);
  if (!t.split) return [v];
  const words: string[] = [];
  let current = '';
  for (const ch of v) {
    if (delims.includes(ch)) {
      words.push(current);
      current = '';
    } else current += ch;
  }
  if (current !== '') words.push(current);
  return words;
}
