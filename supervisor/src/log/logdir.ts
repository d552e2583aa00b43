/**
 * One s6-log logdir: `current` plus archives `@<tai64n>.s` (rotated) and `@<tai64n>.u` (found unfinished at start),
 * `lock`, `state`, and during processing `previous`, `processed`, `newstate`.
 *
 * Writes are synchronous and batched per input chunk. When a write fails (full disk, read-only or vanished
 * directory), the lines are held in memory up to HOLD_LIMIT bytes and retried every cooldown; the problem is reported
 * once, then counted, and a marker line in `current` records how many lines could not be kept. The service is never
 * blocked by a failing logdir.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { acquireLock, AlreadyLockedError } from '../wire/lock';
import { formatTain, now } from '../wire/tai64n';
import { reason } from '../cli/errors';
import { logger } from '../sys/logger';
import { runProcessor } from './processor';
import type { LogdirSettings } from './script';

const log = logger('log');

/** Bytes of lines held in memory per logdir while it cannot be written. */
export const HOLD_LIMIT = 4 * 1024 * 1024;
const ARCHIVE = /^@[0-9a-f]{24}\.[su]$/;
const FINALIZED = 0o744;
const WRITING = 0o644;

export class LogdirLockedError extends Error {}

export class Logdir {
  private fd: number | undefined;
  private lockFd: number | undefined;
  private size = 0;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  /** Lines that could not be written yet, oldest first. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  private dropped = { lines: 0, bytes: 0 };
  private failure: { what: string; count: number } | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private processing: Promise<void> | undefined;
  private rotateWanted = false;
  private closed = false;
  private recovered = false;

  readonly dir: string;

  /** `onChange` is called whenever the logdir starts or stops failing (for -b, which pauses reading meanwhile). */
  constructor(
    dir: string,
    readonly settings: LogdirSettings,
    private readonly onChange: () => void = () => undefined,
  ) {
    this.dir = path.resolve(dir);
  }

  /** True while lines cannot be written and are held in memory. */
  get failing(): boolean {
    return this.failure !== undefined;
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  /**
   * Locks the logdir and recovers what a previous logger left. Throws LogdirLockedError when another logger holds
   * it; any other problem (no permission, read-only, full disk) is reported and retried like a failed write.
   */
  open(): void {
    try {
      this.ensureCurrent();
    } catch (error) {
      if (error instanceof LogdirLockedError) throw error;
      this.fail(error, Buffer.alloc(0));
    }
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

  /**
   * s6-log's start: a `current` with the user x bit was finalized cleanly and is appended to. Otherwise the previous
   * logger died: a finished processor output is archived, a half-processed `previous` and the unfinished `current`
   * become `.u` archives, and a fresh `current` starts.
   */
  private recover(): void {
    const current = this.file('current');
    const st = statOrUndefined(current);
    if (st && st.mode & 0o100) {
      this.openCurrent(st.size);
      return;
    }
    const processed = statOrUndefined(this.file('processed'));
    if (processed && processed.mode & 0o100) {
      rmQuiet(this.file('previous'));
      renameQuiet(this.file('newstate'), this.file('state'));
      this.archive('processed', 's');
    } else {
      rmQuiet(this.file('processed'));
      rmQuiet(this.file('newstate'));
      this.archive('previous', 'u');
    }
    this.archive('current', 'u');
    if (!fs.existsSync(this.file('state'))) fs.writeFileSync(this.file('state'), '');
    this.openCurrent(0);
    this.trim();
  }

  private openCurrent(size: number): void {
    this.fd = fs.openSync(this.file('current'), fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, WRITING);
    fs.fchmodSync(this.fd, WRITING); // no x bit: "a logger is writing to it"
    this.size = size;
  }

  /** Renames `name` to a fresh `@<tai64n>.<suffix>` (empty files are simply removed). */
  private archive(name: string, suffix: 's' | 'u'): void {
    const from = this.file(name);
    const st = statOrUndefined(from);
    if (!st) return;
    if (st.size === 0) {
      fs.rmSync(from);
      return;
    }
    let stamp = now();
    while (fs.existsSync(this.file(`${formatTain(stamp)}.${suffix}`))) stamp++; // two rotations in one tick
    fs.renameSync(from, this.file(`${formatTain(stamp)}.${suffix}`));
  }

  /** Keeps at most `n` archives and, with `S`, at most that many bytes of them: the oldest go first. */
  private trim(): void {
    const archives = fs
      .readdirSync(this.dir)
      .filter((name) => ARCHIVE.test(name))
      .sort();
    const sizes = archives.map((name) => statOrUndefined(this.file(name))?.size ?? 0);
    let total = sizes.reduce((a, b) => a + b, 0);
    let count = archives.length;
    for (let i = 0; i < archives.length; i++) {
      if (count <= this.settings.keep && (this.settings.maxTotal === 0 || total <= this.settings.maxTotal)) break;
      rmQuiet(this.file(archives[i] as string));
      count--;
      total -= sizes[i] as number;
    }
  }

  /** Queues one line (newline included); rotates once `current` gets within `l` bytes of `s`. */
  write(line: Buffer): void {
    if (this.failure) {
      this.hold(line);
      return;
    }
    this.batch.push(line);
    this.batchBytes += line.length;
    if (this.size + this.batchBytes >= this.settings.maxSize - this.settings.tolerance) {
      this.flush();
      if (!this.failure) this.rotate();
    }
  }

  /** Writes what was queued since the last flush (called at the end of each chunk of input). */
  flush(): void {
    if (this.batchBytes === 0) return;
    const data = this.batch.length === 1 ? (this.batch[0] as Buffer) : Buffer.concat(this.batch);
    this.batch = [];
    this.batchBytes = 0;
    const rest = this.writeOut(data);
    if (rest) this.fail(rest.error, rest.unwritten);
  }

  /** Writes `data` to current; on error returns what was not written. */
  private writeOut(data: Buffer): { error: unknown; unwritten: Buffer } | undefined {
    let off = 0;
    try {
      this.ensureCurrent();
      while (off < data.length) off += fs.writeSync(this.fd as number, data, off);
      this.size += data.length;
      return undefined;
    } catch (error) {
      this.size += off;
      return { error, unwritten: data.subarray(off) };
    }
  }

  /**
   * A current whose link count fell to 0 was removed under us (often with its whole directory): writing on would
   * lose every line when we exit. Recreate the logdir and go on there.
   */
  private ensureCurrent(): void {
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
    this.openCurrent(statOrUndefined(this.file('current'))?.size ?? 0);
  }

  private hold(line: Buffer): void {
    if (this.heldBytes + line.length > HOLD_LIMIT) {
      this.dropped.lines++;
      this.dropped.bytes += line.length;
      return;
    }
    this.held.push(line);
    this.heldBytes += line.length;
  }

  private fail(error: unknown, unwritten: Buffer): void {
    const what = reason(error);
    if (!this.failure) {
      log.warn(
        `cannot write to ${this.dir}: ${what}; holding up to ${HOLD_LIMIT >> 20} MiB of lines in memory, ` +
          `retrying every ${this.settings.cooldownMs} ms`,
      );
      this.failure = { what, count: 0 };
      this.onChange();
    }
    this.failure.count++;
    if (unwritten.length > 0) {
      this.held.unshift(unwritten);
      this.heldBytes += unwritten.length;
    }
    for (const line of this.batch) this.hold(line);
    this.batch = [];
    this.batchBytes = 0;
    this.retryTimer ??= setTimeout(() => this.retry(), this.settings.cooldownMs);
  }

  private retry(): void {
    this.retryTimer = undefined;
    const data = Buffer.concat(this.held);
    this.held = [];
    this.heldBytes = 0;
    const rest = this.writeOut(data);
    if (rest) {
      this.fail(rest.error, rest.unwritten);
      return;
    }
    const failure = this.failure as { what: string; count: number };
    this.failure = undefined;
    this.onChange();
    if (this.dropped.lines > 0) {
      const marker = Buffer.from(
        `nuwa log: ${this.dropped.lines} lines (${this.dropped.bytes} bytes) lost here: ` +
          `${this.dir} could not be written (${failure.what})\n`,
      );
      this.dropped = { lines: 0, bytes: 0 };
      const again = this.writeOut(marker);
      if (again) {
        this.fail(again.error, again.unwritten);
        return;
      }
    }
    log.info(`${this.dir} is writable again after ${failure.count} failed writes; nothing held in memory is lost`);
    if (this.size >= this.settings.maxSize - this.settings.tolerance || this.rotateWanted) this.rotate();
  }

  /** Ends `current` and starts a new one; with a processor, `previous` is processed in the background. */
  rotate(): void {
    this.flush();
    if (this.failure || this.closed) return;
    if (this.processing) {
      this.rotateWanted = true; // one rotation at a time, as s6-log: current keeps growing meanwhile
      return;
    }
    this.rotateWanted = false;
    try {
      this.ensureCurrent();
      if (this.size === 0) return;
      const fd = this.fd as number;
      fs.fsyncSync(fd);
      fs.fchmodSync(fd, FINALIZED);
      closeQuiet(fd);
      this.fd = undefined;
      if (this.settings.processor) {
        fs.renameSync(this.file('current'), this.file('previous'));
        this.openCurrent(0);
        this.processing = this.process().finally(() => {
          this.processing = undefined;
          if (this.rotateWanted || this.size >= this.settings.maxSize - this.settings.tolerance) this.rotate();
        });
      } else {
        this.archive('current', 's');
        this.openCurrent(0);
        this.trim();
      }
    } catch (error) {
      this.fail(error, Buffer.alloc(0));
    }
  }

  /** Runs the processor on `previous` until it succeeds (retrying after the cooldown), then archives its output. */
  private async process(): Promise<void> {
    const processor = this.settings.processor;
    if (!processor) return;
    for (let failures = 0; ; failures++) {
      const failed = await runProcessor(this.dir, processor);
      if (failed === undefined) {
        if (failures > 0) log.info(`processor in ${this.dir} succeeded after ${failures} failed runs`);
        try {
          fs.chmodSync(this.file('processed'), FINALIZED);
          renameQuiet(this.file('newstate'), this.file('state'));
          this.archive('processed', 's');
          rmQuiet(this.file('previous'));
          this.trim();
        } catch (error) {
          log.warn(`${this.dir}: cannot archive the processor's output: ${reason(error)}`);
        }
        return;
      }
      if (failures === 0) log.warn(`${failed}; retrying every ${this.settings.cooldownMs} ms (further failures are counted)`);
      // At exit, a failing processor is not retried forever: the next start archives `previous` as a .u file.
      if (this.closed) return;
      await new Promise((resolve) => setTimeout(resolve, this.settings.cooldownMs));
    }
  }

  /** Writes what can be written, waits for a running processor, and finalizes `current` (x bit: clean end). */
  async close(): Promise<void> {
    this.flush();
    if (this.failure) {
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retry();
      if (this.retryTimer) clearTimeout(this.retryTimer);
      if (this.failure) {
        log.error(`${this.dir}: ${this.heldBytes} bytes held in memory could not be written at exit (${this.failure.what})`);
      }
    }
    this.closed = true;
    await this.processing;
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

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function rmQuiet(file: string): void {
  fs.rmSync(file, { force: true });
}

function renameQuiet(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function closeQuiet(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed
  }
}
