/**
 * Oneshot `up` and `down` files: s6-rc lexes them with execlineb as ONE command line, not as a script. Writing a
 * shell script there is s6-overlay's most common beginner error (issues #400, #432, #435, #415, #384): execlineb
 * treats the `#!` line as a comment and glues the remaining lines into one command, which fails cryptically or,
 * worse, runs the wrong thing. nuwa detects shell syntax and refuses it with a message that says what to do.
 *
 * When the image has execlineb, a valid file runs with `execlineb -P -c CONTENT` (full execline). Without it, nuwa
 * runs the form s6-overlay's documentation shows — one command and its arguments, e.g. `/etc/s6-overlay/scripts/foo`
 * or `/bin/sh -c "…"` — directly, and anything that needs execline (blocks, a builtin) with its own execlineb.
 */

import { lex, type Lexed } from '../execline/lexer';
import { EXECLINE_PROGRAMS } from '../execline/names';
import { selfCommand } from '../sys/self';

/** Shell operators that mean nothing to execline when they appear unquoted, wherever they are. */
const SHELL_OPERATORS = new Set(['&&', '||', ';', ';;', '|', '&', '[[', ']]']);
/**
 * Shell keywords: only evidence when they start a line, where a shell script has them. Anywhere else they are plain
 * arguments in execline (`if { s6-echo init done }`, `foreground { echo then }`).
 */
const SHELL_KEYWORDS = new Set(['then', 'fi', 'do', 'done', 'esac', 'elif', 'function']);

/**
 * Why `text` is a shell script rather than one command line, or undefined when it is not one.
 * Only unquoted words count: `/bin/sh -c "a && b"` is the documented way to run shell code from `up`.
 */
export function shellScriptEvidence(text: string): string | undefined {
  const firstLine = text.split('\n')[0] ?? '';
  if (firstLine.startsWith('#!') && !/execlineb/.test(firstLine)) {
    return `line 1 is a #! line (${firstLine.trim()}): the file is read as a command line, so the #! line is ignored`;
  }
  let lexed: Lexed;
  try {
    lexed = lex(text);
  } catch {
    return undefined; // not lexable at all: reported as such by the caller
  }
  for (let k = 0; k < lexed.words.length; k++) {
    if (lexed.quoted[k]) continue;
    const word = lexed.words[k] as string;
    const at = `line ${lexed.lines[k]}`;
    if (SHELL_OPERATORS.has(word) || (lexed.lineStart[k] && SHELL_KEYWORDS.has(word)))
      return `${at} has the shell operator or keyword '${word}'`;
    if (word.endsWith(';') && word.length > 1) return `${at} has a shell command separator in '${word}'`;
    if (word.includes('$(') || word.includes('`')) return `${at} has a shell command substitution in '${word}'`;
    if (/^[0-9]*(>>?|<<?|>&|<&)/.test(word) || /^&?>/.test(word)) return `${at} has a shell redirection '${word}'`;
    if (lexed.lineStart[k] && /^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) return `${at} starts with a shell variable assignment '${word}'`;
    if (
      lexed.lineStart[k] &&
      (word === 'if' || word === 'for' || word === 'while' || word === 'case') &&
      lexed.words[k + 1] !== '{' &&
      !lexed.quoted[k + 1]
    ) {
      const next = lexed.words[k + 1] ?? '';
      if (word !== 'if' || next === '[' || next === 'test' || next.startsWith('!')) return `${at} has a shell '${word}' statement`;
    }
  }
  return undefined;
}

/** The message for a refused shell script in `file`. */
export function shellScriptMessage(file: string, evidence: string): string {
  return (
    `looks like a shell script (${evidence}). ` +
    `s6-rc reads ${file.endsWith('down') ? 'down' : 'up'} as ONE execline command line, not as a script: ` +
    `put the script in an executable file (e.g. /etc/s6-overlay/scripts/NAME, with a #! line) and write its path in this file`
  );
}

/** execline words that only make sense inside execlineb: a line holding one is run by execlineb. */
const EXECLINE_BLOCK = new Set(['{', '}']);
const EXECLINE_NAMES = new Set<string>(EXECLINE_PROGRAMS);

export type CommandPlan =
  | { kind: 'nothing' }
  | { kind: 'execlineb'; argv: string[]; argv0?: string }
  | { kind: 'direct'; argv: string[] }
  | { kind: 'refused'; reason: string };

/**
 * How to run oneshot command line `text` (from `file`): with `execlineb`, the image's, when given; else one plain
 * command runs directly (no start of nuwa for `/etc/s6-overlay/scripts/foo`), and a line with execline blocks or
 * starting with an execline program runs with nuwa's own execlineb, so that an image without one on its PATH runs
 * every oneshot too. Shell scripts are refused either way.
 */
export function planCommandLine(text: string, file: string, execlineb: string | undefined): CommandPlan {
  const evidence = shellScriptEvidence(text);
  if (evidence) return { kind: 'refused', reason: shellScriptMessage(file, evidence) };
  let lexed: Lexed;
  try {
    lexed = lex(text);
  } catch (err) {
    return { kind: 'refused', reason: `cannot be read as a command line: ${(err as Error).message}` };
  }
  if (lexed.words.length === 0) return { kind: 'nothing' };
  if (execlineb) return { kind: 'execlineb', argv: [execlineb, '-P', '-c', text] };
  const needsExecline =
    lexed.words.some((w, k) => EXECLINE_BLOCK.has(w) && !lexed.quoted[k]) || EXECLINE_NAMES.has(lexed.words[0] as string);
  if (!needsExecline) return { kind: 'direct', argv: lexed.words };
  const me = selfCommand(); // in an image, /init: argv0 `nuwa` makes it dispatch on `execlineb`, not to init
  return { kind: 'execlineb', argv: [me.file, ...me.prefix, 'execlineb', '-P', '-c', text], argv0: me.argv0 };
}
