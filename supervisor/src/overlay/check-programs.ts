/**
 * `--check`'s search for programs the image lacks: what each run, finish, up, down, cont-init.d and cont-finish.d
 * script names on its `#!` line (the interpreter, and the program `with-contenv` or `env` runs) or as its first word
 * (an execline script or an `up` file runs it for certain), and, in shell scripts, the s6 / execline / s6-overlay
 * programs that lines start with (`s6-setuidgid`, `/command/...`; a line's other commands may be shell builtins or
 * functions, so only these names are looked up). Each is reported with its file and line: an error where the exec
 * fails for certain, a warning for a shell line that may never run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Problem } from '../rc/problems';
import { findProgram } from '../sys/run-program';
import { chainPrograms } from './check-execline';

/** Programs the #! interpreter runs in turn: the next word of the line is a program too. */
const CHAINING_INTERPRETERS = new Set(['env', 'with-contenv']);
/** Names that are s6, execline or s6-overlay programs when a shell line starts with them. */
const SKARNET_NAME = /^(s6-[a-z0-9-]+|execlineb|with-contenv|with-retries|printcontenv|logutil-[a-z]+|fix-attrs|s6lockd|ucspilogd)$/;

interface Finder {
  root: string;
  pathValue: string;
}

/** Whether the image at `root` has `program` (an absolute path, or a name found on PATH). */
function has(program: string, finder: Finder): boolean {
  if (program.startsWith('/')) return fs.existsSync(path.join(finder.root, program));
  return finder.pathValue.split(':').some((dir) => dir.startsWith('/') && findProgram(path.join(finder.root, dir, program), undefined));
}

function lacking(file: string, line: number, program: string, certain: boolean, finder: Finder): Problem[] {
  if (has(program, finder)) return [];
  const message = `calls '${program}', which this image does not have${certain ? '' : ' (on this line: it fails if the line runs)'}`;
  return [{ file: `${file}:${line}`, message, warning: !certain }];
}

/** The first word of a command line, as a shell or execlineb reads it (quotes and a leading `exec` dropped). */
function firstWord(line: string): string | undefined {
  const words = line.trim().split(/[ \t]+/);
  let word = words[0] === 'exec' ? words[1] : words[0];
  if (word === undefined || word === '' || word.startsWith('#')) return undefined;
  word = word.replace(/^["']|["']$/g, '');
  return /^[A-Za-z0-9_./+-]+$/.test(word) && !word.includes('=') ? word : undefined;
}

function readLines(file: string): string[] | undefined {
  try {
    return fs.readFileSync(file, 'latin1').split('\n');
  } catch {
    return undefined; // a missing or unreadable script is reported by checkExecutable
  }
}

/** Problems of one script: its #! line, then its first word (execline) or its lines starting with an s6 name (shell). */
export function scriptProgramProblems(file: string, finder: Finder): Problem[] {
  const lines = readLines(file);
  if (!lines) return [];
  const problems: Problem[] = [];
  const shebang = lines[0]?.startsWith('#!')
    ? lines[0]
        .slice(2)
        .trim()
        .split(/[ \t]+/)
    : [];
  const interpreter = shebang[0];
  // the interpreter itself is checkExecutable's; what it chains to is ours
  if (interpreter && CHAINING_INTERPRETERS.has(path.basename(interpreter))) {
    const next = shebang.slice(1).find((w) => !w.startsWith('-'));
    if (next) problems.push(...lacking(file, 1, next, true, finder));
  }
  const execline = shebang.some((w) => path.basename(w) === 'execlineb');
  if (execline) {
    const at = lines.findIndex((l, i) => i > 0 && firstWord(l) !== undefined);
    const word = at === -1 ? undefined : firstWord(lines[at] as string);
    if (word) problems.push(...lacking(file, at + 1, word, true, finder));
    problems.push(...chainProblems(file, lines, at + 1, word, finder));
    return problems;
  }
  lines.forEach((line, i) => {
    const word = i === 0 && shebang.length > 0 ? undefined : firstWord(line);
    if (word && (SKARNET_NAME.test(word) || word.startsWith('/command/'))) problems.push(...lacking(file, i + 1, word, false, finder));
  });
  return problems;
}

/** Problems of a oneshot's `up` or `down` file: an execline command line, whose first word is run for certain. */
export function commandLineProblems(file: string, finder: Finder): Problem[] {
  const lines = readLines(file);
  if (!lines) return [];
  const at = lines.findIndex((l) => firstWord(l) !== undefined);
  const word = at === -1 ? undefined : firstWord(lines[at] as string);
  return [...(word ? lacking(file, at + 1, word, true, finder) : []), ...chainProblems(file, lines, at + 1, word, finder)];
}

/** Programs further down an execline chain (warnings: an earlier `if` may stop it), the first word (checked above) left out. */
function chainProblems(file: string, lines: string[], firstLine: number, first: string | undefined, finder: Finder): Problem[] {
  return chainPrograms(lines.join('\n'))
    .filter(({ program, line }) => !(program === first && line === firstLine))
    .flatMap(({ program, line }) => lacking(file, line, program, false, finder));
}
