/** elglob: the matches of a glob(3) pattern, substituted as words. */
import { type Step } from '../chain';
import { ExeclineError, strerror, usage, warn } from '../errors';
import { byteOrder, glob, GlobAborted } from '../glob';
import { options } from '../options';
import { substitute } from '../substitute';

const ELGLOB = 'elglob [ -v ] [ -w ] [ -s ] [ -m ] [ -e ] [ -0 ] key pattern prog...';
export function elglob(args: string[]): Step {
  const o = options(args, 'vwsme0', 'elglob', ELGLOB);
  const [key, pattern, ...rest] = o.operands;
  if (key === undefined || pattern === undefined) throw usage('elglob', ELGLOB);
  const onError = (dir: string, err: unknown): boolean => {
    if (o.has('v')) warn('elglob', `unable to glob ${dir}: ${strerror(err)}`);
    return o.has('w');
  };
  let words: string[];
  try {
    words = glob(pattern, { noEscape: o.has('e'), mark: o.has('m'), onError });
  } catch (err) {
    if (err instanceof GlobAborted) throw new ExeclineError('elglob', 111, `unable to glob ${pattern}: read error`);
    throw err;
  }
  if (o.has('s')) words.sort(byteOrder);
  // GLOB_NOCHECK unless -0: no match leaves the pattern itself, as one word
  if (words.length === 0 && !o.has('0')) words = [pattern];
  return substitute(rest, new Map([[key, words]]));
}
