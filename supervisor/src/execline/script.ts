/**
 * From a script's text to the one argv execlineb executes into. Blocks are encoded as execline 2.9 does: a word at
 * block depth d gets d leading spaces, the `{` disappears, and the `}` closing a block of depth d becomes a word of
 * d-1 spaces (the empty word at depth 1). A program that takes a block (foreground, if, …) reads the words that start
 * with a space, strips one, and stops at the empty word (blocks.ts).
 */
import { lex, LexError } from './lexer';

export class ScriptError extends Error {}

export function scriptArgv(text: string): string[] {
  let lexed;
  try {
    lexed = lex(text);
  } catch (err) {
    throw new ScriptError((err as LexError).message);
  }
  const argv: string[] = [];
  let depth = 0;
  const opened: number[] = [];
  lexed.words.forEach((word, k) => {
    if (!lexed.quoted[k] && word === '{') {
      depth++;
      opened.push(lexed.lines[k] as number);
    } else if (!lexed.quoted[k] && word === '}') {
      if (depth === 0) throw new ScriptError(`unmatched } on line ${lexed.lines[k]}`);
      depth--;
      opened.pop();
      argv.push(' '.repeat(depth));
    } else argv.push(' '.repeat(depth) + word);
  });
  if (depth > 0) throw new ScriptError(`unmatched { on line ${opened[opened.length - 1]}`);
  return argv;
}
