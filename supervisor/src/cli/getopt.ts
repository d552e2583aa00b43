/**
 * skalibs' subgetopt, which every s6 tool uses: short options only, clustered (`-uwN`), an option's argument either
 * attached (`-t500`) or the next word (`-t 500`); parsing stops at `--` or at the first word that is not an option.
 * Long options are nuwa's (e.g. `--json`): taken out first, wherever they stand before a `--`.
 */
import { UsageError } from './errors';

export interface Parsed {
  /** Options in command-line order: [letter, argument or undefined]. Order matters (s6-svc sends letters in order). */
  options: Array<[string, string | undefined]>;
  long: Set<string>;
  operands: string[];
}

/**
 * `spec` is subgetopt's string: a letter followed by ':' takes an argument. `longs` lists accepted `--name` words.
 * Unknown options throw a UsageError carrying `usage` (exit 100).
 */
export function getopt(args: readonly string[], spec: string, usage: string, longs: readonly string[] = []): Parsed {
  const options: Array<[string, string | undefined]> = [];
  const long = new Set<string>();
  // Long options may come anywhere before `--` (`svstat gunicorn --json` reads naturally).
  const end = args.indexOf('--') === -1 ? args.length : args.indexOf('--');
  const argv = args.filter((word, at) => {
    if (at >= end || !word.startsWith('--') || word === '--') return true;
    const name = word.slice(2);
    if (!longs.includes(name)) throw new UsageError(`unknown option ${word}; usage: ${usage}`);
    long.add(name);
    return false;
  });
  let i = 0;
  for (; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word === '--') {
      i++;
      break;
    }
    if (!word.startsWith('-') || word === '-') break;
    for (let j = 1; j < word.length; j++) {
      const letter = word[j] as string;
      const at = spec.indexOf(letter);
      if (letter === ':' || at === -1) throw new UsageError(`unknown option -${letter}; usage: ${usage}`);
      if (spec[at + 1] !== ':') {
        options.push([letter, undefined]);
        continue;
      }
      let arg = word.slice(j + 1);
      if (arg === '') {
        i++;
        if (i >= argv.length) throw new UsageError(`option -${letter} needs an argument; usage: ${usage}`);
        arg = argv[i] as string;
      }
      options.push([letter, arg]);
      break;
    }
  }
  return { options, long, operands: argv.slice(i) };
}

/** skalibs' uint0_scan for option arguments such as `-t 500`: decimal digits only. */
export function parseMilliseconds(text: string, option: string, usage: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${option} wants a number of milliseconds, not '${text}'; usage: ${usage}`);
  return Number(text);
}
