/**
 * An envdir (s6-envdir's format): one file per variable. Reading follows Debian's s6-envdir (checked against it): by
 * default a variable is the file's first line with trailing spaces and tabs removed; `full` reads the whole file and
 * drops one final newline; `verbatim` keeps everything. An empty file unsets the variable. NUL bytes stand for
 * newlines.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface EnvdirOptions {
  /** Read the whole file, not just its first line (s6-envdir -f). */
  full?: boolean;
  /** Keep trailing whitespace and the final newline (s6-envdir -n). */
  verbatim?: boolean;
}

/** One envdir file's meaning: the value, or null when the file unsets the variable. */
export function envdirValue(content: Buffer, options: EnvdirOptions = {}): string | null {
  if (content.length === 0) return null;
  let text = content.toString('utf8');
  if (!options.full) {
    const nl = text.indexOf('\n');
    if (nl !== -1) text = text.slice(0, nl);
    if (!options.verbatim) text = text.replace(/[ \t]+$/, '');
  } else if (!options.verbatim && text.endsWith('\n')) {
    text = text.slice(0, -1);
  }
  return text.replace(/\0/g, '\n');
}

/** Reads an envdir: name → value, or null for "unset". Dotfiles and subdirectories are ignored. */
export function readEnvdir(dir: string, options: EnvdirOptions = {}): Map<string, string | null> {
  const result = new Map<string, string | null>();
  for (const name of fs.readdirSync(dir).sort()) {
    if (name.startsWith('.') || name.includes('=')) continue;
    const file = path.join(dir, name);
    let content: Buffer;
    try {
      if (!fs.statSync(file).isFile()) continue;
      content = fs.readFileSync(file);
    } catch {
      continue; // removed while we read: as if it had never been there
    }
    result.set(name, envdirValue(content, options));
  }
  return result;
}

/** `env` with the envdir's changes applied. */
export function applyEnvdir(env: NodeJS.ProcessEnv, changes: Map<string, string | null>): NodeJS.ProcessEnv {
  const next = { ...env };
  for (const [name, value] of changes) {
    if (value === null) delete next[name];
    else next[name] = value;
  }
  return next;
}
