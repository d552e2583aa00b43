/**
 * `fix-attrs [FILE…]` (s6-overlay v2's program, v3's libexec/fix-attrs): applies fix-attrs.d lines (`path recurse
 * account fmode dmode`) read from each FILE, or from stdin, as the boot's fix-attrs stage does. S6_FIX_ATTRS_HIDDEN=1
 * includes dot files. Each bad line is said with its file and line number; exit 1 if any failed.
 */
import { HelpRequest } from '../../cli/errors';
import * as fs from 'node:fs';
import { applyFixAttrsFile, applyFixAttrsText } from '../fix-attrs';

const USAGE = 'usage: fix-attrs [ file... ]   (fix-attrs.d lines: path recurse account fmode dmode; none: stdin)';

export function main(argv: string[]): number {
  if (argv[0] === '--help') throw new HelpRequest(USAGE);
  const hidden = Number(process.env.S6_FIX_ATTRS_HIDDEN ?? '0') !== 0;
  let failed = false;
  for (const file of argv.length > 0 ? argv : ['(stdin)']) {
    let problems: string[];
    try {
      problems = argv.length > 0 ? applyFixAttrsFile(file, hidden) : applyFixAttrsText(fs.readFileSync(0, 'utf8'), file, hidden);
    } catch (err) {
      problems = [`${file}: ${(err as Error).message}`];
    }
    for (const problem of problems) process.stderr.write(`fix-attrs: error: ${problem}\n`);
    failed ||= problems.length > 0;
  }
  return failed ? 1 : 0;
}
