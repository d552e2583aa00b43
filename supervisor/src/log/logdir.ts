/**
 * One s6-log logdir: `current` plus archives `@<tai64n>.s` (rotated) and `@<tai64n>.u` (found unfinished at start),
 * `lock`, `state`, and during processing `previous`, `processed`, `newstate`.
 *
 * Writes are synchronous and batched per input chunk. When a write fails (full disk, read-only or vanished
 * directory), the lines are held in memory and retried every cooldown; the problem is reported once, then counted.
 * Only the newest lines are held: as many as the logdir keeps (n archives and current, HOLD_LIMIT at most), since
 * older ones would be rotated out on their way in. Once a write works again, a marker line says how many lines were
 * dropped, and the held lines follow through the usual rotations and trimming, so `current` never passes `s - l`
 * plus one line. At the end of input a failing logdir is retried for EXIT_RETRY_MS before the held lines are given
 * up. The service is never blocked by a failing logdir. The lock and the open `current` are current.ts's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { reason } from '../cli/errors';
import { logger } from '../sys/logger';
import { after, sleep, type Timer } from '../sys/timer';
import { archiveFile, trimArchives } from './archives';
import { CurrentFile, LogdirLockedError } from './current';
import { HeldLines } from './held-lines';
import { processPrevious } from './processor';
import type { LogdirSettings } from './script';

const log = logger('log');

/** Bytes of lines held in memory per logdir while it cannot be written (less when the logdir keeps less). */
export const HOLD_LIMIT = 4 * 1024 * 1024;
/** After the end of input, how long a logdir that cannot be written is retried before its held lines are given up. */
export const EXIT_RETRY_MS = 10_000;

interface Failure {
  what: string;
  count: number;
  /** Lines dropped during this failure (the marker lines say where). */
  lost: { lines: number; bytes: number };
}

export class Logdir {
  /** The lock and the open current, with its size and whether it ends mid-line. */
  private readonly current: CurrentFile;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  /** Lines that could not be written yet, and those dropped since the last marker line. */
  private held = new HeldLines();
  private failure: Failure | undefined;
  private retryTimer: Timer | undefined;
  private processing: Promise<void> | undefined;
  private rotateWanted = false;
  /** The held lines wait for the processor to end before current can rotate. */
  private drainWaits = false;
  /** Input ended: close() retries on its own clock. */
  private exiting = false;
  private closed = false;

  readonly dir: string;
  /** An upper bound on the marker line's length. */
  private readonly markerRoom: number;

  /** `onChange` is called whenever the logdir starts or stops failing (for -b, which pauses reading meanwhile). */
  constructor(
    dir: string,
    readonly settings: LogdirSettings,
    private readonly onChange: () => void = () => undefined,
  ) {
    this.dir = path.resolve(dir);
    this.current = new CurrentFile(this.dir, () => this.trim());
    this.markerRoom = 200 + Buffer.byteLength(this.dir);
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
      this.current.ensure();
    } catch (error) {
      if (error instanceof LogdirLockedError) throw error;
      this.fail(error);
    }
  }

  /** Keeps at most `n` archives and, with `S`, at most that many bytes of them: the oldest go first. */
  private trim(): void {
    trimArchives(this.dir, this.settings.keep, this.settings.maxTotal);
  }

  /** Queues one line (newline included); rotates once `current` gets within `l` bytes of `s`. */
  write(line: Buffer): void {
    if (this.failure) {
      this.hold(line);
      return;
    }
    this.batch.push(line);
    this.batchBytes += line.length;
    if (this.current.size + this.batchBytes >= this.rotateAt) {
      this.flush();
      if (!this.failure) this.rotate();
    }
  }

  /** Where `current` is rotated: once a line ends at or past `s - l` (s6-log's rule; past `s` only for a line longer than `l`). */
  private get rotateAt(): number {
    return this.settings.maxSize - this.settings.tolerance;
  }

  /** Writes what was queued since the last flush (called at the end of each chunk of input). */
  flush(): void {
    if (this.batchBytes === 0) return;
    const lines = this.batch;
    const data = lines.length === 1 ? (lines[0] as Buffer) : Buffer.concat(lines);
    this.batch = [];
    this.batchBytes = 0;
    const rest = this.current.append(data);
    if (!rest) return;
    this.held.pushUnwritten(lines, data.length - rest.unwritten.length);
    this.fail(rest.error);
    this.held.trimTo(this.holdCapacity());
  }

  /**
   * How many bytes of lines are worth holding: what the logdir's n archives keep (fewer under S; one file at least),
   * less what current holds already and room for the marker line. Written through the usual rotations, the marker
   * then lands in the oldest archive kept and stays there for at least one more `s` of new lines; older lines would
   * only be rotated out and trimmed on their way in. A processor's output has no known size: then HOLD_LIMIT.
   */
  private holdCapacity(): number {
    if (this.settings.processor) return HOLD_LIMIT;
    const { keep, maxSize, maxTotal } = this.settings;
    const archives = Math.max(1, maxTotal > 0 ? Math.min(keep, Math.floor(maxTotal / maxSize)) : keep);
    const room = archives * Math.max(1, this.rotateAt) - this.current.size - this.markerRoom;
    return Math.max(0, Math.min(HOLD_LIMIT, room));
  }

  private hold(line: Buffer): void {
    this.held.push(line);
    this.held.trimTo(this.holdCapacity());
  }

  private fail(error: unknown): void {
    const what = reason(error);
    if (!this.failure) {
      const capacity = this.holdCapacity();
      const amount = capacity >= 1 << 20 ? `${(capacity / (1 << 20)).toFixed(1)} MiB` : `${Math.ceil(capacity / 1024)} KiB`;
      log.warn(
        `cannot write to ${this.dir}: ${what}; holding its newest ${amount} of lines in memory (older ones are dropped ` +
          `and counted), retrying every ${this.settings.cooldownMs} ms`,
      );
      this.failure = { what, count: 0, lost: { lines: 0, bytes: 0 } };
      this.onChange();
    }
    this.failure.count++;
    if (!this.exiting) this.retryTimer ??= after(this.settings.cooldownMs, () => this.retry());
  }

  private retry(): void {
    this.retryTimer = undefined;
    const failure = this.failure;
    if (!failure || !this.drain()) return;
    this.failure = undefined;
    this.onChange();
    const lost = failure.lost;
    log.info(
      `${this.dir} is writable again after ${failure.count} failed writes; ` +
        (lost.lines === 0
          ? 'nothing held in memory is lost'
          : `${lost.lines} lines (${lost.bytes} bytes) were dropped, the oldest first (a marker line in the logdir says where)`),
    );
  }

  /**
   * Writes what was held while the logdir failed, as if it had come in now: the marker line for the lines dropped
   * first, then the held lines in order, rotating (and trimming the archives) each time current reaches `s - l`.
   * Returns true once everything is written; false when a write failed again (the retry is armed) or a rotation
   * waits for the processor (retried when it ends).
   */
  private drain(): boolean {
    try {
      this.current.ensure();
    } catch (error) {
      this.fail(error);
      return false;
    }
    this.held.trimTo(this.holdCapacity());
    if (this.held.dropped.lines > 0) {
      const failure = this.failure as Failure;
      const { lines, bytes } = this.held.dropped;
      const marker = Buffer.from(
        `${this.current.midLine ? '\n' : ''}nuwa log: ${lines} lines (${bytes} bytes) lost here: ` +
          `${this.dir} could not be written (${failure.what})\n`,
      );
      const rest = this.current.append(marker);
      if (rest && rest.unwritten.length === marker.length) {
        this.fail(rest.error);
        return false;
      }
      failure.lost.lines += lines;
      failure.lost.bytes += bytes;
      this.held.dropped = { lines: 0, bytes: 0 };
      if (rest) {
        this.held.unshift(rest.unwritten);
        this.fail(rest.error);
        return false;
      }
    }
    for (;;) {
      if (this.current.size >= this.rotateAt || (this.rotateWanted && this.held.length === 0)) {
        if (this.processing) {
          // One rotation at a time: the held lines wait for the processor rather than push current past `s`.
          this.rotateWanted = true;
          this.drainWaits = this.current.size >= this.rotateAt;
          if (this.drainWaits) return false;
        } else if (!this.rotateNow()) return false;
      }
      if (this.held.length === 0) return true;
      let count = 0;
      let bytes = 0;
      do bytes += this.held.lengthOf(count++);
      while (count < this.held.length && this.current.size + bytes < this.rotateAt);
      if (!this.writeHeld(count)) return false;
    }
  }

  /** Writes the first `count` held lines in one go; what was written leaves the queue. False: the failure is recorded. */
  private writeHeld(count: number): boolean {
    const data = this.held.first(count);
    const rest = this.current.append(data);
    this.held.consume(data.length - (rest?.unwritten.length ?? 0));
    if (!rest) return true;
    this.fail(rest.error);
    return false;
  }

  /**
   * Ends `current` and starts a new one; with a processor, `previous` is processed in the background. While the
   * logdir fails, the rotation waits until the held lines are written.
   */
  rotate(): void {
    this.flush();
    if (this.closed) return;
    if (this.failure || this.processing) {
      this.rotateWanted = true; // one rotation at a time, as s6-log: current keeps growing meanwhile
      return;
    }
    this.rotateNow();
  }

  /** The rotation itself; false when it failed (then recorded as a failure and retried). */
  private rotateNow(): boolean {
    this.rotateWanted = false;
    try {
      this.current.ensure();
      if (this.current.size === 0) return true;
      this.current.finish();
      if (this.settings.processor) {
        fs.renameSync(this.file('current'), this.file('previous'));
        this.current.open(0);
        this.processing = this.process().finally(() => this.processed());
      } else {
        archiveFile(this.dir, 'current', 's');
        this.current.open(0);
        this.trim();
      }
      return true;
    } catch (error) {
      this.rotateWanted = true;
      this.fail(error);
      return false;
    }
  }

  /** The processor is done: a drain that waited for it goes on; otherwise a rotation asked for meanwhile happens. */
  private processed(): void {
    this.processing = undefined;
    if (this.failure) {
      if (this.drainWaits && !this.exiting && !this.retryTimer) {
        this.drainWaits = false;
        this.retry();
      }
      return;
    }
    if (this.rotateWanted || this.current.size >= this.rotateAt) this.rotate();
  }

  private async retryBeforeExit(): Promise<void> {
    this.exiting = true;
    this.retryTimer?.cancel();
    this.retryTimer = undefined;
    const deadline = Date.now() + EXIT_RETRY_MS;
    this.retry();
    if (this.failure) {
      log.warn(
        `input ended while ${this.dir} cannot be written (${this.failure.what}); retrying for up to ` +
          `${EXIT_RETRY_MS / 1000} s before exiting`,
      );
    }
    while (this.failure) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const processor = this.drainWaits ? this.processing : undefined;
      const stop = new AbortController();
      const pause = sleep(processor ? left : Math.min(Math.max(this.settings.cooldownMs, 10), left), { signal: stop.signal });
      await (processor ? Promise.race([processor, pause]) : pause);
      stop.abort();
      this.drainWaits = false;
      this.retry();
    }
    if (this.failure) {
      const lost = this.held.length + this.held.dropped.lines;
      const bytes = this.held.bytes + this.held.dropped.bytes;
      log.error(
        `${this.dir}: ${lost} lines (${bytes} bytes) held in memory could not be written before exit (${this.failure.what}); ` +
          `they are lost`,
      );
    }
  }

  /** Runs the processor on `previous` until it succeeds (retrying after the cooldown), then archives its output. */
  private async process(): Promise<void> {
    const processor = this.settings.processor;
    if (!processor) return;
    if (await processPrevious(this.dir, processor, this.settings.cooldownMs, () => this.closed)) this.trim();
  }

  /**
   * Writes what can be written, waits for a running processor, and finalizes `current` (x bit: clean end). A logdir
   * that still fails is retried for up to EXIT_RETRY_MS first (s6-log retries until it can write): a full disk
   * freed meanwhile still gets the held lines.
   */
  async close(): Promise<void> {
    this.flush();
    if (this.failure) await this.retryBeforeExit();
    this.closed = true;
    await this.processing;
    this.current.close();
  }
}
