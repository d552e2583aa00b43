/**
 * Cuts a byte stream into lines. A line longer than the limit is cut in two (s6-log's -l): the logger's memory stays
 * bounded whatever a service writes, and no byte is dropped.
 */
export class LineSplitter {
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** How many lines were cut because they were longer than the limit. */
  cuts = 0;

  /** `limit` 0: no limit. */
  constructor(private readonly limit: number) {}

  /** The complete lines in `chunk` (each without its newline); an unfinished line waits for the next chunk. */
  push(chunk: Buffer): Buffer[] {
    const lines: Buffer[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      const end = nl === -1 ? chunk.length : nl;
      let piece = chunk.subarray(start, end);
      // Cut while the pending line plus this piece is over the limit.
      while (this.limit > 0 && this.partialBytes + piece.length > this.limit) {
        const room = this.limit - this.partialBytes;
        this.partial.push(piece.subarray(0, room));
        lines.push(Buffer.concat(this.partial));
        this.partial = [];
        this.partialBytes = 0;
        piece = piece.subarray(room);
        this.cuts++;
      }
      if (nl === -1) {
        if (piece.length > 0) {
          this.partial.push(piece);
          this.partialBytes += piece.length;
        }
        return lines;
      }
      this.partial.push(piece);
      lines.push(this.partial.length === 1 ? (this.partial[0] as Buffer) : Buffer.concat(this.partial));
      this.partial = [];
      this.partialBytes = 0;
      start = nl + 1;
    }
  }

  /** True while an unfinished line is waiting for its newline. */
  get pending(): boolean {
    return this.partialBytes > 0;
  }

  /** At end of input: the unfinished last line, if any (it gets a newline like every other). */
  end(): Buffer | undefined {
    if (this.partialBytes === 0) return undefined;
    const last = Buffer.concat(this.partial);
    this.partial = [];
    this.partialBytes = 0;
    return last;
  }
}
