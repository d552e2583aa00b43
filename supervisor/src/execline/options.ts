/** Option parsing for the builtins: skalibs' subgetopt (cli/getopt.ts), with execline's `PROG: usage: …` on error. */
import { getopt, type Parsed } from '../cli/getopt';
import { HelpRequest, UsageError } from '../cli/errors';
import { usage } from './errors';

export interface Options {
  /** Letters given, last value wins. */
  has(letter: string): boolean;
  value(letter: string): string | undefined;
  /** The last given of `letters` (for mutually exclusive flags like -i | -D), or undefined. */
  last(letters: string): string | undefined;
  operands: string[];
}

export function options(args: readonly string[], spec: string, program: string, usageText: string): Options {
  let parsed: Parsed;
  try {
    parsed = getopt(args, spec, usageText);
  } catch (err) {
    // execline knows no --help inside a script: like any unknown option, it is a usage error
    if (err instanceof UsageError || err instanceof HelpRequest) throw usage(program, usageText);
    throw err;
  }
  const values = new Map<string, string | undefined>();
  let order = '';
  for (const [letter, value] of parsed.options) {
    values.set(letter, value);
    order += letter;
  }
  return {
    has: (l) => values.has(l),
    value: (l) => values.get(l),
    last: (letters) => [...order].reverse().find((l) => letters.includes(l)),
    operands: parsed.operands,
  };
}

/** A decimal number operand, or the usage error. */
export function number(text: string | undefined, program: string, usageText: string): number {
  if (text === undefined || !/^\d+$/.test(text)) throw usage(program, usageText);
  return Number(text);
}

/** A comma-separated list of exit codes (-o, -x of forx, loopwhilex). */
export function codes(text: string | undefined, program: string, usageText: string): Set<number> {
  if (text === undefined) return new Set();
  const parts = text.split(',');
  if (parts.some((p) => !/^\d+$/.test(p))) throw usage(program, usageText);
  return new Set(parts.map(Number));
}
