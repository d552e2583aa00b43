/**
 * s6-overlay's deprecated /etc/fix-attrs.d: each file holds lines `path recurse account fmode dmode`, applied in
 * order — chown to account (`user:group` names or `uid:gid` numbers, with `,uid:gid` as the fallback when the
 * names are unknown), chmod fmode on files and dmode on directories, recursively when recurse is `true`.
 * Paths may use * and ? in their last component, as the shell's unquoted expansion did.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { logger } from '../sys/logger';
import { findGroup, findUser } from '../sys/accounts';
import type { BootContext } from './context';
import { scriptsIn } from './legacy';

const log = logger('fix-attrs');

function resolveAccount(entry: string): { uid: number; gid: number } | string {
  const [account = '', fallback] = entry.split(',', 2);
  const [user = '', group = ''] = account.split(':', 2);
  const uid = /^\d+$/.test(user) ? Number(user) : findUser(user)?.uid;
  const gid = /^\d+$/.test(group) ? Number(group) : findGroup(group);
  if (uid !== undefined && gid !== undefined) return { uid, gid };
  if (fallback) {
    const [fu = '', fg = ''] = fallback.split(':', 2);
    if (/^\d+$/.test(fu) && /^\d+$/.test(fg)) return { uid: Number(fu), gid: Number(fg) };
  }
  return `unknown account '${account}' and no uid:gid fallback`;
}

function expandGlob(pattern: string): string[] {
  const base = path.basename(pattern);
  if (!/[*?]/.test(base)) return [pattern];
  const dir = path.dirname(pattern);
  const re = new RegExp(
    `^${base
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  try {
    const matches = fs.readdirSync(dir).filter((n) => !n.startsWith('.') && re.test(n));
    return matches.length > 0 ? matches.sort().map((n) => path.join(dir, n)) : [pattern];
  } catch {
    return [pattern];
  }
}

function apply(file: string, recurse: boolean, uid: number, gid: number, fmode: number, dmode: number, hidden: boolean): void {
  fs.lchownSync(file, uid, gid);
  const stat = fs.lstatSync(file);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    fs.chmodSync(file, dmode);
    if (recurse) {
      for (const name of fs.readdirSync(file)) {
        if (!hidden && name.startsWith('.')) continue;
        apply(path.join(file, name), recurse, uid, gid, fmode, dmode, hidden);
      }
    }
  } else {
    fs.chmodSync(file, fmode);
  }
}

/** Applies one fix-attrs file; returns the problems, one line each. */
export function applyFixAttrsFile(file: string, hidden: boolean): string[] {
  return applyFixAttrsText(fs.readFileSync(file, 'utf8'), file, hidden);
}

/** Applies fix-attrs lines (`file` names them in the problems, e.g. `(stdin)`); returns the problems, one line each. */
export function applyFixAttrsText(text: string, file: string, hidden: boolean): string[] {
  const errors: string[] = [];
  const lines = text.split('\n');
  lines.forEach((line, k) => {
    const fields = line.trim().split(/[ \t]+/);
    if (fields[0] === '' || fields[0]?.startsWith('#')) return;
    const where = `${file}:${k + 1}`;
    const [pattern, recurse, account, fmode, dmode] = fields as [string, string?, string?, string?, string?];
    if (recurse === undefined || account === undefined || !/^[0-7]{3,4}$/.test(fmode ?? '') || !/^[0-7]{3,4}$/.test(dmode ?? '')) {
      errors.push(`${where}: expected "path recurse account fmode dmode" (modes in octal), got "${line.trim()}"`);
      return;
    }
    const ids = resolveAccount(account);
    if (typeof ids === 'string') {
      errors.push(`${where}: ${ids}`);
      return;
    }
    for (const target of expandGlob(pattern)) {
      try {
        apply(target, recurse === 'true', ids.uid, ids.gid, parseInt(fmode as string, 8), parseInt(dmode as string, 8), hidden);
      } catch (err) {
        errors.push(`${where}: ${target}: ${(err as Error).message}`);
      }
    }
  });
  return errors;
}

/** The fix-attrs oneshot. */
export function fixAttrs(ctx: BootContext): boolean {
  const files = scriptsIn(ctx.dirs.fixAttrs);
  let failed = false;
  for (const name of files) {
    const file = path.join(ctx.dirs.fixAttrs, name);
    log.info(`applying ${file}`);
    for (const error of applyFixAttrsFile(file, ctx.settings.fixAttrsHidden)) {
      log.error(error);
      failed = true;
    }
  }
  if (files.length > 0) log.warn('fix-attrs is deprecated, please fix volume permissions in your container manager instead');
  if (failed && ctx.settings.stage2Policy >= 1) log.warn('some fix files failed to apply');
  return !(failed && ctx.settings.stage2Policy >= 2);
}
