/**
 * A logdir's lock and its open `current`: the first open recovers what a previous logger left (archives.ts), lines
 * are appended, `current` is finalized at a rotation or at exit, and a `current` removed while in use is recreated.
 * What to write and when (batches, held lines, rotations, retries) is logdir.ts's concern.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { acquireLock, AlreadyLockedError } from '../wire/lock';
import { logger } from '../sys/logger';
import { closeQuiet, FINALIZED, recoverLogdir, statOrUndefined } from './archives';

const log = logger('log');

const NEWLINE_BYTE = 0x0a;
const WRITING = 0o644;

export class LogdirLockedError extends Error {}

export class CurrentFile {
  private fd: number | undefined;
  private lockFd: number | undefined;
  private recovered = false;
  /** Bytes in current. */
  size = 0;
  /** current ends in the middle of a line (a write was cut short): a marker line then starts with a newline. */
  midLine = false;

  /** `trim` keeps the archives within the logdir's limits (called when the start found an unfinished current). */
  constructor(
    readonly dir: string,
    private readonly trim: () => void,
  ) {}

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  /**
   * Makes sure current is open: the first call locks the logdir (LogdirLockedError when another logger holds it) and
   * recovers it. A current whose link count fell to 0 was removed under us (often with its whole directory): writing
   * on would lose every line when we exit. Recreate the logdir and go on there.
   */
  ensure(): void {
    if (!this.recovered) {
      if (this.lockFd === undefined) this.lock();
      this.recover();
      this.recovered = true;
      return;
    }
    if (this.fd !== undefined && fs.fstatSync(this.fd).nlink > 0) return;
    if (this.fd !== undefined) {
      log.warn(`${this.dir}/current was removed while in use; recreating the logdir`);
      closeQuiet(this.fd);
      this.fd = undefined;
      if (this.lockFd !== undefined) closeQuiet(this.lockFd);
      this.lockFd = undefined;
    }
    if (this.lockFd === undefined) this.lock();
    if (!fs.existsSync(this.file('state'))) fs.writeFileSync(this.file('state'), '');
    this.open(statOrUndefined(this.file('current'))?.size ?? 0);
    this.midLine = false;
  }

  private lock(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    try {
      this.lockFd = acquireLock(this.file('lock'));
    } catch (err) {
      if (err instanceof AlreadyLockedError) throw new LogdirLockedError(`${this.dir}: another logger is writing to this logdir`);
      throw err;
    }
  }

  /** s6-log's start (archives.ts): append to a cleanly finalized current, or start a fresh one after an unclean end. */
  private recover(): void {
    const kept = recoverLogdir(this.dir);
    this.open(kept ?? 0);
    if (kept === undefined) this.trim();
  }

  /** Opens (or creates) current for appending; `size` is what it holds already. */
  open(size: number): void {
    this.fd = fs.openSync(this.file('current'), fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, WRITING);
    fs.fchmodSync(this.fd, WRITING); // no x bit: "a logger is writing to it"
    this.size = size;
  }

  /** Writes `data` to current; on error returns what was not written. */
  append(data: Buffer): { error: unknown; unwritten: Buffer } | undefined {
    let off = 0;
    try {
      this.ensure();
      while (off < data.length) off += fs.writeSync(this.fd as number, data, off);
      this.size += data.length;
      this.midLine = false;
      return undefined;
    } catch (error) {
      this.size += off;
      if (off > 0) this.midLine = data[off - 1] !== NEWLINE_BYTE;
      return { error, unwritten: data.subarray(off) };
    }
  }

  /** Ends current for a rotation: synced, marked finished (x bit) and closed; the caller renames it and opens a new one. */
  finish(): void {
    const fd = this.fd as number;
    fs.fsyncSync(fd);
    fs.fchmodSync(fd, FINALIZED);
    closeQuiet(fd);
    this.fd = undefined;
  }

  /** At exit: finalizes current (x bit: clean end) when it can, and releases the lock. */
  close(): void {
    if (this.fd !== undefined) {
      try {
        fs.fsyncSync(this.fd);
        fs.fchmodSync(this.fd, FINALIZED);
      } catch {
        // the next start treats a current without the x bit as unfinished, which is the truth
      }
      closeQuiet(this.fd);
      this.fd = undefined;
    }
    if (this.lockFd !== undefined) closeQuiet(this.lockFd);
  }
}
