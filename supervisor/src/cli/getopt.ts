/**
 * skalibs' subgetopt, which every s6 tool uses: short options only, clustered (`-uwN`), an option's argument either
 * attached (`-t500`) or the next word (`-t 500`); parsing stops at `--` or at the first word that is not an option.
 * Long options are nuwa's (e.g. `--json`, `--root DIR`): `name` is a flag, `name=` takes an argument (`--root DIR` or
 * `--root=DIR`). Tools whose operands are service dirs also take them after the operands (`svstat gunicorn --json`
 * reads naturally): `longsAnywhere`.
 */
import { HelpRequest, UsageError } from './errors';

export interface Parsed {
  /** Options in command-line order: [letter, argument or undefined]. Order matters (s6-svc sends letters in order). */
  options: Array<[string, string | undefined]>;
  /** Long options given: name → argument (undefined for a flag). */
  long: Map<string, string | undefined>;
  operands: string[];
}

export interface LongOptions {
  /** Accepted `--name` words; `name=` takes an argument. */
  longs?: readonly string[];
  /** Long options may also follow the operands (up to a `--`). */
  longsAnywhere?: boolean;
  /**
   * How a problem is said. Without: skalibs' `unknown option -x; usage: USAGE`. With: nuwa's own applets' form,
   * `unknown option '-x' (HINT)`, where `usage` is then unused.
   */
  hint?: string;
}

/** The UsageError for an unknown option, or one missing its argument, in the settings' style. */
function refuse(problem: 'unknown' | 'no-argument', word: string, usage: string, settings: LongOptions): UsageError {
  const said = problem === 'unknown' ? `unknown option ${quote(word, settings)}` : `option ${quote(word, settings)} needs an argument`;
  return new UsageError(settings.hint === undefined ? `${said}; usage: ${usage}` : `${said} (${settings.hint})`);
}

function quote(word: string, settings: LongOptions): string {
  return settings.hint === undefined ? word : `'${word}'`;
}

/**
 * `spec` is subgetopt's string: a letter followed by ':' takes an argument. `longs` lists accepted `--name` words
 * (an array is `{ longs, longsAnywhere: true }`, the tools' form). Unknown options throw a UsageError carrying
 * `usage` (exit 100).
 */
export function getopt(args: readonly string[], spec: string, usage: string, longs: readonly string[] | LongOptions = {}): Parsed {
  const settings: LongOptions = Array.isArray(longs) ? { longs, longsAnywhere: true } : (longs as LongOptions);
  const long = new Map<string, string | undefined>();
  const words = settings.longsAnywhere ? takeLongsAnywhere(args, settings, long, usage) : args;
  const options: Array<[string, string | undefined]> = [];
  let i = 0;
  for (; i < words.length; i++) {
    const word = words[i] as string;
    if (word === '--') {
      i++;
      break;
    }
    if (word.startsWith('--')) i = takeLong(words, i, settings, long, usage);
    else if (!word.startsWith('-') || word === '-') break;
    else i = takeShorts(words, i, spec, options, usage, settings);
  }
  return { options, long, operands: words.slice(i) };
}

/** `args` without the long options found anywhere before a `--` (which are recorded in `into`). */
function takeLongsAnywhere(args: readonly string[], settings: LongOptions, into: Map<string, string | undefined>, usage: string): string[] {
  const end = args.indexOf('--') === -1 ? args.length : args.indexOf('--');
  const kept: string[] = [];
  for (let at = 0; at < args.length; at++) {
    const word = args[at] as string;
    if (at < end && word.startsWith('--') && word !== '--') at = takeLong(args, at, settings, into, usage);
    else kept.push(word);
  }
  return kept;
}

/** One `--name`, `--name=value` or `--name value` at args[i]; returns the index of the last word it used. */
function takeLong(args: readonly string[], i: number, settings: LongOptions, into: Map<string, string | undefined>, usage: string): number {
  const longs = settings.longs ?? [];
  const word = args[i] as string;
  // Every applet answers --help with its usage, whether or not it lists it.
  if (word === '--help' && !longs.includes('help')) throw new HelpRequest(/^usage/i.test(usage) ? usage : `usage: ${usage}`);
  const eq = word.indexOf('=');
  const name = eq === -1 ? word.slice(2) : word.slice(2, eq);
  if (longs.includes(name) && eq === -1) {
    into.set(name, undefined);
    return i;
  }
  if (!longs.includes(`${name}=`)) throw refuse('unknown', eq === -1 ? word : word.slice(0, eq), usage, settings);
  if (eq !== -1) {
    into.set(name, word.slice(eq + 1));
    return i;
  }
  const value = args[i + 1];
  if (value === undefined) throw refuse('no-argument', `--${name}`, usage, settings);
  into.set(name, value);
  return i + 1;
}

/** A cluster of short options at args[i] (`-uwN`, `-t500`, `-t 500`); returns the index of the last word it used. */
function takeShorts(
  args: readonly string[],
  i: number,
  spec: string,
  into: Array<[string, string | undefined]>,
  usage: string,
  settings: LongOptions,
): number {
  const word = args[i] as string;
  for (let j = 1; j < word.length; j++) {
    const letter = word[j] as string;
    const at = spec.indexOf(letter);
    if (letter === ':' || at === -1) throw refuse('unknown', `-${letter}`, usage, settings);
    if (spec[at + 1] !== ':') {
      into.push([letter, undefined]);
      continue;
    }
    let arg = word.slice(j + 1);
    if (arg === '') {
      i++;
      if (i >= args.length) throw refuse('no-argument', `-${letter}`, usage, settings);
      arg = args[i] as string;
    }
    into.push([letter, arg]);
    break;
  }
  return i;
}

/** skalibs' uint0_scan (an unsigned int, 32 bits): the number, or undefined when `text` is not only digits or too big. */
export function scanUint(text: string): number | undefined {
  return /^\d+$/.test(text) && Number(text) <= 0xffffffff ? Number(text) : undefined;
}

/** skalibs' uint0_scan for option arguments such as `-t 500`: decimal digits only. */
export function parseMilliseconds(text: string, option: string, usage: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${option} wants a number of milliseconds, not '${text}'; usage: ${usage}`);
  return Number(text);
}
