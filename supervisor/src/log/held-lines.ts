/**
 * The lines a logdir could not write yet, oldest first, held in memory until it can: pushed at the end, written from
 * the front, and, past the logdir's capacity, dropped from the front (the newest are kept) and counted for the
 * marker line. The first line may be the rest of one a cut-short write left half in `current`.
 */
export class HeldLines {
  private items: Buffer[] = [];
  private head = 0;
  /** Bytes held. */
  bytes = 0;
  /** Lines dropped since the last marker line. */
  dropped = { lines: 0, bytes: 0 };

  get length(): number {
    return this.items.length - this.head;
  }

  /** The length of the i-th line held. */
  lengthOf(i: number): number {
    return (this.items[this.head + i] as Buffer).length;
  }

  push(line: Buffer): void {
    this.items.push(line);
    this.bytes += line.length;
  }

  /** Puts `line` first (the unwritten rest of a marker line). */
  unshift(line: Buffer): void {
    if (this.head > 0) this.items[--this.head] = line;
    else this.items.unshift(line);
    this.bytes += line.length;
  }

  /** After a write of `lines` (as one buffer) took only `written` bytes: holds the rest, in order. */
  pushUnwritten(lines: readonly Buffer[], written: number): void {
    for (const line of lines) {
      if (written >= line.length) {
        written -= line.length;
        continue;
      }
      this.push(written > 0 ? line.subarray(written) : line);
      written = 0;
    }
  }

  /** The first `count` lines as one buffer (they stay held until consume()). */
  first(count: number): Buffer {
    const parts = this.items.slice(this.head, this.head + count);
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  /** Drops the first `written` bytes: the lines written whole, and the start of one written in part. */
  consume(written: number): void {
    while (written > 0 && this.length > 0) {
      const line = this.items[this.head] as Buffer;
      if (line.length > written) {
        this.items[this.head] = line.subarray(written);
        this.bytes -= written;
        return;
      }
      this.shift();
      written -= line.length;
    }
  }

  /** Drops the oldest lines until at most `capacity` bytes are held, counting them in `dropped`. */
  trimTo(capacity: number): void {
    while (this.bytes > capacity && this.length > 0) {
      const line = this.shift();
      this.dropped.lines++;
      this.dropped.bytes += line.length;
    }
  }

  private shift(): Buffer {
    const line = this.items[this.head] as Buffer;
    this.head++;
    this.bytes -= line.length;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head); // the taken lines go, without moving the rest on every shift
      this.head = 0;
    }
    return line;
  }
}
