/**
 * `s6-mkdir [-p] [-v] [-m MODE] DIR…` (s6-portable-utils): creates each DIR (mode MODE, octal, less the umask);
 * -p makes the parents too and accepts an existing DIR; -v says each directory created. A DIR that fails is said
 * and the others are still made: exit 111 if any failed. No DIR: nothing to do, exit 0.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { reason } from '../cli/errors';
import { getopt } from '../cli/getopt';
import { parseOctal } from './modes';

const USAGE = 's6-mkdir [ -p ] [ -v ] [ -m mode ] dir...';

export function main(argv: string[]): number {
  const parsed = getopt(argv, 'pvm:', USAGE, {});
  let parents = false;
  let verbose = false;
  let mode = 0o777;
  for (const [flag, value] of parsed.options) {
    if (flag === 'p') parents = true;
    else if (flag === 'v') verbose = true;
    else mode = parseOctal(value as string, USAGE);
  }
  let failed = false;
  for (const dir of parsed.operands) {
    const steps = parents ? ancestry(dir) : [dir];
    for (const step of steps) {
      try {
        fs.mkdirSync(step, { mode });
        if (verbose) process.stderr.write(`s6-mkdir: created directory ${step}\n`);
      } catch (err) {
        if (parents && (err as NodeJS.ErrnoException).code === 'EEXIST' && isDir(step)) continue;
        process.stderr.write(`s6-mkdir: warning: unable to mkdir ${step}: ${reason(err)}\n`);
        failed = true;
        break;
      }
    }
  }
  return failed ? 111 : 0;
}

/** `a/b/c` → `a`, `a/b`, `a/b/c`: what -p creates, outermost first. */
function ancestry(dir: string): string[] {
  const steps: string[] = [];
  for (let at = path.normalize(dir); at !== '.' && at !== '/' && !steps.includes(at); at = path.dirname(at)) steps.unshift(at);
  return steps;
}

function isDir(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}
