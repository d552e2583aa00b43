/**
 * The programs an execline script or an `up` line runs further down its chain. Real run scripts start with programs
 * every image has (`with-contenv s6-setuidgid abc fdmove -c 2 1 importas … foreground { … } exec myapp`), so looking
 * at the first word alone never finds a missing `myapp`. This walks the chain through the programs whose argument
 * shape is known (execline's builtins and the s6 programs run scripts chain through), and yields every other program
 * it meets: the one the chain ends with, and the first program of each block that runs programs (`if { … }`).
 * Words execline substitutes at run time (`$VAR`, `${VAR}`) are not programs it can check, so the walk stops there.
 */
import { lex } from '../execline/lexer';

/**
 * Argument shape of a chaining program after its options: `a` an argument, `p` a block of a program to run, `d` a
 * block of data (values, directives). `opts` are the options that take an argument. A program not listed is the end
 * of the chain.
 */
interface Shape {
  slots: string;
  opts?: string;
}

const SHAPES: Record<string, Shape> = {
  if: { slots: 'p', opts: 'x' },
  foreground: { slots: 'p' },
  background: { slots: 'p' },
  ifelse: { slots: 'pp' },
  pipeline: { slots: 'p' },
  exec: { slots: '', opts: 'a' },
  fdmove: { slots: 'aa' },
  redirfd: { slots: 'aa' },
  importas: { slots: 'aa', opts: 'Dd' },
  define: { slots: 'aa', opts: 'd' },
  export: { slots: 'aa' },
  unexport: { slots: 'a' },
  cd: { slots: 'a' },
  getcwd: { slots: 'a' },
  withstdinas: { slots: 'a', opts: 'D' },
  fdclose: { slots: 'a' },
  fdreserve: { slots: 'a' },
  piperw: { slots: 'aa' },
  heredoc: { slots: 'aa' },
  backtick: { slots: 'ap', opts: 'Dd' },
  forx: { slots: 'ad', opts: 'ox' },
  forstdin: { slots: 'a', opts: 'oxd' },
  multisubstitute: { slots: 'd' },
  multidefine: { slots: 'ad' },
  loopwhilex: { slots: '', opts: 'ox' },
  emptyenv: { slots: '' },
  'with-contenv': { slots: '' },
  's6-setuidgid': { slots: 'a' },
  's6-envuidgid': { slots: 'a', opts: 'D' },
  's6-applyuidgid': { slots: '', opts: 'ugG' },
  's6-envdir': { slots: 'a', opts: 'c' },
  's6-notifyoncheck': { slots: '', opts: '3sTtwnc' },
  's6-setsid': { slots: '', opts: 'd' },
};

/** A program the chain runs, with the line it is named on. */
export interface ChainProgram {
  program: string;
  line: number;
}

interface Cursor {
  words: string[];
  quoted: boolean[];
  lines: number[];
}

/** Index just past the block opening at `from` (`{ … }`, nested blocks included), or -1 when it is not a block. */
function blockEnd(cur: Cursor, from: number): number {
  if (cur.words[from] !== '{' || cur.quoted[from]) return -1;
  let depth = 0;
  for (let k = from; k < cur.words.length; k++) {
    if (cur.quoted[k]) continue;
    if (cur.words[k] === '{') depth++;
    if (cur.words[k] === '}' && --depth === 0) return k + 1;
  }
  return -1;
}

/** Walks the chain from `start` to `end` (exclusive), pushing the programs it runs that are not chaining programs. */
function walk(cur: Cursor, start: number, end: number, found: ChainProgram[]): void {
  let k = start;
  while (k < end) {
    const word = cur.words[k] as string;
    if (word.includes('$') || (!cur.quoted[k] && (word === '{' || word === '}'))) return;
    const shape = SHAPES[word];
    if (!shape) {
      found.push({ program: word, line: cur.lines[k] as number });
      return;
    }
    k++;
    for (; k < end && (cur.words[k] as string).startsWith('-') && cur.words[k] !== '-'; k++) {
      if (cur.words[k] === '--') {
        k++;
        break;
      }
      if (shape.opts?.includes((cur.words[k] as string).slice(-1))) k++;
    }
    for (const slot of shape.slots) {
      if (slot === 'a') {
        k++;
        continue;
      }
      const after = blockEnd(cur, k);
      if (after === -1) return; // not the shape we know: execlineb will say what is wrong
      if (slot === 'p') walk(cur, k + 1, after - 1, found);
      k = after;
    }
  }
}

/** The programs `text` (an execline script or command line) runs, chaining programs left out; nothing if it does not lex. */
export function chainPrograms(text: string): ChainProgram[] {
  let cur: Cursor;
  try {
    cur = lex(text);
  } catch {
    return []; // reported elsewhere as unreadable
  }
  const found: ChainProgram[] = [];
  walk(cur, 0, cur.words.length, found);
  return found;
}
