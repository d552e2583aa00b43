/**
 * TAI64N timestamps ("tain"), as skalibs packs them: 8-byte big-endian label 2^62 + TAI seconds, then 4-byte
 * big-endian nanoseconds. From a UTC system clock, TAI = UTC + 10 s + leap seconds (27 so far) = UTC + 37 s.
 * In memory nuwa keeps plain UTC nanoseconds since the epoch (bigint): arithmetic stays simple, and readers that
 * subtract two stamps (s6-svstat's "N seconds") see the offset cancel out.
 */
export type Tain = bigint;

const TAI_MAGIC = 1n << 62n;
const TAI_MINUS_UTC = 37n;
const NS = 1_000_000_000n;
export const TAIN_SIZE = 12;

/** process.hrtime's zero as UTC nanoseconds, read once: now() then moves with the monotonic clock. */
let origin: bigint | undefined;

/**
 * Now, in UTC nanoseconds, with sub-millisecond precision. Not performance.timeOrigin + performance.now(): the
 * `performance` global loads perf_hooks (11 modules) into every tool that writes a status.
 */
export function now(): Tain {
  const mono = process.hrtime.bigint();
  origin ??= BigInt(Date.now()) * 1_000_000n - mono;
  return origin + mono;
}

export function fromMilliseconds(ms: number): Tain {
  return BigInt(Math.round(ms * 1e6));
}

export function toMilliseconds(t: Tain): number {
  return Number(t / 1_000_000n);
}

export function packTain(t: Tain, into: Buffer = Buffer.alloc(TAIN_SIZE), offset = 0): Buffer {
  const seconds = t >= 0n ? t / NS : 0n;
  into.writeBigUInt64BE(TAI_MAGIC + seconds + TAI_MINUS_UTC, offset);
  into.writeUInt32BE(Number(t >= 0n ? t % NS : 0n), offset + 8);
  return into;
}

export function unpackTain(from: Buffer, offset = 0): Tain {
  const label = from.readBigUInt64BE(offset);
  const nano = BigInt(from.readUInt32BE(offset + 8));
  return (label - TAI_MAGIC - TAI_MINUS_UTC) * NS + nano;
}

/** s6's text form: `@` + 24 lowercase hex digits (used in s6-svstat -o and in log archive names). */
export function formatTain(t: Tain): string {
  return `@${packTain(t).toString('hex')}`;
}

export function parseTain(text: string): Tain | undefined {
  const match = /^@([0-9a-fA-F]{24})$/.exec(text);
  return match ? unpackTain(Buffer.from(match[1] as string, 'hex')) : undefined;
}
