/**
 * Reading a block from an argv (execline's el_semicolon): the words after `start` that begin with a space, each with
 * one space stripped, up to the empty word that ends the block. Words without the leading space are taken as they
 * are (the encoding of execline before 2.0, still accepted unless EXECLINE_STRICT says otherwise).
 */
import { environ } from './environ';
import { ExeclineError } from './errors';

export interface Block {
  words: string[];
  /** Index of the first word after the block's terminator. */
  next: number;
}

export function readBlock(argv: readonly string[], start: number, program: string): Block {
  const words: string[] = [];
  for (let i = start; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word === '') return { words, next: i + 1 };
    if (word.startsWith(' ')) words.push(word.slice(1));
    else if (environ.get('EXECLINE_STRICT') === '2') throw new ExeclineError(program, 100, `unquoted block word: ${word}`);
    else words.push(word);
  }
  throw new ExeclineError(program, 100, 'unterminated block');
}

/** Several blocks one after the other (ifelse's two, case's …). */
export function readBlocks(argv: readonly string[], start: number, count: number, program: string): { blocks: string[][]; next: number } {
  const blocks: string[][] = [];
  let at = start;
  for (let n = 0; n < count; n++) {
    const block = readBlock(argv, at, program);
    blocks.push(block.words);
    at = block.next;
  }
  return { blocks, next: at };
}
