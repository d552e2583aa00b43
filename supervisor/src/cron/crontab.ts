/**
 * Crontab files as users write them (crontab(5) of Vixie cron / cronie):
 *
 *   # comment                    blank lines and lines starting with # are ignored
 *   NAME = value                 environment for the jobs below (quotes stripped); SHELL picks the shell,
 *                                CRON_TZ the time zone the schedules below are read in
 *   m h dom mon dow  command     5 time fields: numbers, *, ranges a-b, steps /n, lists, jan-dec, sun-sat, L, W, #
 *   s m h dom mon dow  command   nuwa: 6 fields, seconds first (a sixth field that reads as a day of week)
 *   @daily command               @yearly @annually @monthly @weekly @daily @midnight @hourly @reboot
 *
 * System crontabs (/etc/crontab, /etc/cron.d/*) have a user name before the command. In a command, an unescaped %
 * ends the command: the rest is its standard input, each further % a newline (`\%` is a plain %).
 *
 * Parsing never throws: each bad line becomes a Problem with its line number, and the other lines still count.
 */
import { KEYWORDS, Schedule } from './schedule';
import { checkZone } from './zone';

export type CrontabKind = 'system' | 'user';

export interface Entry {
  file: string;
  line: number;
  /** The user field (system crontabs) or undefined (user crontabs: the owner runs the job). */
  user: string | undefined;
  /** undefined for @reboot. */
  schedule: Schedule | undefined;
  /** The schedule as written (`30 2 * * *`, `@daily`, `@reboot`). */
  when: string;
  command: string;
  /** What follows the first unescaped % (with % turned into newlines), fed to the job's stdin. */
  input: string | undefined;
  /** Environment lines above this job, in order. */
  env: Record<string, string>;
  zone: string;
}

export interface Problem {
  file: string;
  /** 0 for a problem with the whole file. */
  line: number;
  message: string;
  /** A warning: nothing was refused. */
  warning?: true;
}

export interface Parsed {
  entries: Entry[];
  problems: Problem[];
}

const ENV_LINE = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/;
const DAY = '(?:[0-7]|sun|mon|tue|wed|thu|fri|sat)';
/** A day-of-week field: `*`, `?`, days, ranges, lists, steps, `5L`, `5#3`. */
const DOW_FIELD = new RegExp(
  `^(?:\\*|\\?|${DAY}(?:-${DAY})?(?:L|#[1-5])?)(?:/\\d+)?(?:,(?:\\*|${DAY}(?:-${DAY})?(?:L|#[1-5])?)(?:/\\d+)?)*$`,
  'i',
);

function unquote(value: string): string {
  const q = value[0];
  if ((q === '"' || q === "'") && value.length >= 2 && value.endsWith(q)) return value.slice(1, -1);
  return value;
}

/** Splits a command at its first unescaped %: [command, stdin or undefined]. */
export function splitPercent(text: string): [string, string | undefined] {
  let command = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && text[i + 1] === '%') {
      command += '%';
      i++;
    } else if (c === '%') {
      const rest = text.slice(i + 1).replace(/(\\?)%/g, (_, escaped: string) => (escaped ? '%' : '\n'));
      return [command, `${rest}\n`];
    } else command += c;
  }
  return [command, undefined];
}

/** The first `count` whitespace-separated words of `text`, and the rest of the text after them. */
function words(text: string, count: number): [string[], string] {
  const out: string[] = [];
  let rest = text.trimStart();
  while (out.length < count && rest !== '') {
    const m = /^(\S+)\s*/.exec(rest) as RegExpExecArray;
    out.push(m[1] as string);
    rest = rest.slice(m[0].length);
  }
  return [out, rest];
}

/** Parses one crontab. `defaultZone`: where schedules are read until a CRON_TZ line says otherwise. */
interface Timing {
  /** The time fields (none for @reboot). */
  fields: string[];
  /** The schedule as written (`@daily`, `0 4 * * *`). */
  when: string;
  /** What follows the schedule: the command (with the user first in a system crontab). */
  rest: string;
}

/** The schedule at the start of a job line: a keyword, or 5 time fields (6 with seconds first). */
function readTiming(trimmed: string, problem: (message: string) => void): Timing | undefined {
  if (trimmed.startsWith('@')) {
    const [[when], rest] = words(trimmed, 1) as [[string], string];
    const keyword = when.toLowerCase();
    if (keyword !== '@reboot' && !Object.hasOwn(KEYWORDS, keyword)) {
      problem(`unknown keyword ${when} (known: ${[...Object.keys(KEYWORDS), '@reboot'].join(' ')})`);
      return undefined;
    }
    return { fields: keyword === '@reboot' ? [] : (KEYWORDS[keyword] as string).split(' '), when, rest };
  }
  const [first, after] = words(trimmed, 6);
  // Six fields when the sixth word reads as a day of week and something follows it.
  const six = first.length === 6 && DOW_FIELD.test(first[5] as string) && after !== '';
  const fields = six ? first : first.slice(0, 5);
  const rest = six ? after : words(trimmed, 5)[1];
  if (fields.length < 5 || rest === '') {
    problem('expected 5 time fields (or 6, seconds first) and a command');
    return undefined;
  }
  return { fields, when: fields.join(' '), rest };
}

export function parseCrontab(file: string, text: string, kind: CrontabKind, defaultZone: string): Parsed {
  const entries: Entry[] = [];
  const problems: Problem[] = [];
  const env: Record<string, string> = {};
  let zone = defaultZone;
  const lines = text.split('\n');
  if (text !== '' && !text.endsWith('\n')) {
    // Vixie cron ignores a last line without its newline; saying so is kinder than silently skipping it.
    problems.push({
      file,
      line: lines.length,
      message: 'the last line has no newline at the end (cron would ignore it); it is read anyway',
      warning: true,
    });
  }
  lines.forEach((raw, index) => {
    const line = index + 1;
    const text = raw.replace(/\r$/, '');
    if (/^\s*(#|$)/.test(text)) return;
    const problem = (message: string) => problems.push({ file, line, message: `${message}: ${text.trim()}` });

    const assignment = ENV_LINE.exec(text);
    if (assignment) {
      const [, name, value] = assignment as unknown as [string, string, string];
      if (name === 'CRON_TZ') {
        try {
          zone = checkZone(unquote(value));
        } catch (err) {
          problem(`${(err as Error).message}; the jobs below keep ${zone}`);
          return;
        }
      }
      env[name] = unquote(value);
      return;
    }

    const timing = readTiming(text.trimStart(), problem);
    if (!timing) return;
    const { fields, when } = timing;
    let rest = timing.rest;

    let user: string | undefined;
    if (kind === 'system') {
      const [[name], command] = words(rest, 1) as [[string | undefined], string];
      if (name === undefined || command === '') {
        problem('expected a user name and a command after the schedule (this is a system crontab)');
        return;
      }
      user = name;
      rest = command;
    }

    let schedule: Schedule | undefined;
    if (fields.length > 0) {
      try {
        schedule = new Schedule(fields, zone);
      } catch (err) {
        problem(`bad schedule '${when}': ${(err as Error).message}`);
        return;
      }
    }
    const [command, input] = splitPercent(rest.trim());
    if (command.trim() === '') {
      problem('empty command');
      return;
    }
    entries.push({ file, line, user, schedule, when, command: command.trim(), input, env: { ...env }, zone });
  });
  return { entries, problems };
}
