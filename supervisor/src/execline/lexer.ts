/**
 * execlineb's lexer: whitespace-separated words, `"…"` with C escapes, `\` outside quotes, `#` comments where a word
 * would start. One lexer for execlineb scripts and for s6-rc's oneshot `up`/`down` lines (rc/command-line.ts), which
 * s6-rc hands to execlineb as one command line.
 */

export interface Lexed {
  /** The words, unquoted. */
  words: string[];
  /** Whether each word was (partly) quoted: a quoted `{` is a word, not a block, and a quoted `&&` an argument. */
  quoted: boolean[];
  /** The 1-based line each word starts on. */
  lines: number[];
  /** Whether the word is the first one on its line. */
  lineStart: boolean[];
}

const ESCAPES: Record<string, string> = { a: '\x07', b: '\b', t: '\t', n: '\n', v: '\v', f: '\f', r: '\r', '\\': '\\', '"': '"' };

export class LexError extends Error {}

const BLANK = new Set([' ', '\t', '\n', '\r']);

/** One `"…"` string starting after its opening quote at `at`: its text, where it ends, and the lines it spans. */
function quotedString(text: string, at: number, startLine: number): { value: string; end: number; newlines: number } {
  let value = '';
  let newlines = 0;
  let i = at;
  for (;;) {
    if (i >= text.length) throw new LexError(`unterminated quoted string starting on line ${startLine}`);
    const q = text[i] as string;
    if (q === '"') return { value, end: i + 1, newlines };
    if (q === '\n') newlines++;
    if (q !== '\\' || i + 1 >= text.length) {
      value += q;
      i++;
      continue;
    }
    const e = text[i + 1] as string;
    if (e === '\n') {
      newlines++; // a backslash-newline continues the string without a newline in it
      i += 2;
    } else if (/[0-9]/.test(e)) {
      // execline's numeric escapes: \0 then up to three octal digits, else up to three decimal digits
      const octal = /^0([0-7]{1,3})/.exec(text.slice(i + 1, i + 5));
      const digits = octal ? (octal[0] as string) : (/^[0-9]{1,3}/.exec(text.slice(i + 1, i + 4)) as RegExpExecArray)[0];
      value += String.fromCharCode(parseInt(octal ? (octal[1] as string) : digits, octal ? 8 : 10) & 0xff);
      i += 1 + digits.length;
    } else {
      value += ESCAPES[e] ?? e;
      i += 2;
    }
  }
}

export function lex(text: string): Lexed {
  const out: Lexed = { words: [], quoted: [], lines: [], lineStart: [] };
  let i = 0;
  let line = 1;
  let lastLine = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (BLANK.has(c)) {
      if (c === '\n') line++;
      i++;
      continue;
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    let word = '';
    let quoted = false;
    const startLine = line;
    while (i < text.length && !BLANK.has(text[i] as string)) {
      const ch = text[i] as string;
      if (ch === '\\') {
        if (i + 1 < text.length) word += text[i + 1];
        quoted = true;
        i += 2;
      } else if (ch === '"') {
        const q = quotedString(text, i + 1, startLine);
        word += q.value;
        line += q.newlines;
        quoted = true;
        i = q.end;
      } else {
        word += ch;
        i++;
      }
    }
    out.words.push(word);
    out.quoted.push(quoted);
    out.lines.push(startLine);
    out.lineStart.push(startLine !== lastLine);
    lastLine = startLine;
  }
  return out;
}
