/**
 * Entries of the scan dir that stat() refuses (a dangling symlink, a loop, an unreadable target): s6-svscan warns
 * "unable to stat X" at every scan, nuwa once per entry and problem. While any is there (and the owner asked for it),
 * they are looked at again every UNUSABLE_RECHECK_MS, and the owner rescans once one changed: a dangling symlink whose
 * target is created later is picked up without s6-svscanctl -a (the watcher sees only the scan dir itself).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../sys/logger';
import { every, type Timer } from '../sys/timer';

/** How often an entry of the scan dir that cannot be stat()ed is looked at again. */
export const UNUSABLE_RECHECK_MS = 1000;

export class UnusableEntries {
  /** name → the errno code said about it (once per code). */
  private readonly entries = new Map<string, string>();
  private recheck: Timer | undefined;
  /** The names noted in the scan under way. */
  private seen = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
    /** Called when a rechecked entry changed; undefined: no rechecks (s6-svscanctl -a picks it up). */
    private readonly onChange: (() => void) | undefined,
  ) {}

  /** A scan begins. */
  begin(): void {
    this.seen = new Set();
  }

  /**
   * `name` could not be stat()ed with `err`: said unless already said for the same problem. Returns false when the
   * entry has gone since readdir (a race with rm: nothing to say).
   */
  note(name: string, err: unknown): boolean {
    const dir = path.join(this.dir, name);
    let target: string | undefined;
    try {
      if (fs.lstatSync(dir).isSymbolicLink()) target = fs.readlinkSync(dir);
    } catch {
      return false;
    }
    this.seen.add(name);
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    if (this.entries.get(name) === code) return true;
    this.entries.set(name, code);
    const later = this.onChange ? 'it is picked up once it leads to a directory' : 's6-svscanctl -a picks it up once it is fixed';
    let why: string;
    if (target !== undefined && code === 'ENOENT') why = `is a dangling symlink (to ${target}, which does not exist)`;
    else if (target !== undefined && code === 'ELOOP') why = `is a symlink loop (to ${target}: too many levels of symbolic links)`;
    else why = `cannot be read: ${(err as Error).message}`;
    this.log.warn(`${name}: ${dir} ${why}: not a service; ${later}`);
    return true;
  }

  /** The scan is over: entries it did not note are fixed or gone; rechecks run while any is left. */
  end(stopping: boolean): void {
    for (const name of this.entries.keys()) if (!this.seen.has(name)) this.entries.delete(name);
    if (!this.onChange || stopping || this.entries.size === 0) {
      this.recheck?.cancel();
      this.recheck = undefined;
      return;
    }
    this.recheck ??= every(UNUSABLE_RECHECK_MS, () => this.recheckAll(), { unref: true });
  }

  private recheckAll(): void {
    for (const [name, code] of this.entries) {
      let now: string;
      try {
        fs.statSync(path.join(this.dir, name));
        now = 'ok';
      } catch (err) {
        now = (err as NodeJS.ErrnoException).code ?? 'error';
      }
      if (now !== code) {
        this.onChange?.();
        return;
      }
    }
  }
}
