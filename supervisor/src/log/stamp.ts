/** The two line stamps of s6-log: `t` (TAI64N, `@` + 24 hex digits) and `T` (local ISO 8601, s6-log's spelling). */
import { formatTain, type Tain } from '../wire/tai64n';
import type { Stamps } from './script';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `2026-11-25 09:03:17.596928116`: local time, a space rather than a 'T', nanoseconds. */
export function isoLocal(t: Tain): string {
  const ms = Number(t / 1_000_000n);
  const d = new Date(ms);
  const nanos = Number(t % 1_000_000_000n);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(nanos, 9)}`
  );
}

/** What goes before a line: `t` first, then `T` (two spaces after it), then the `p` prefix and a space, as s6-log. */
export function stampText(stamps: Stamps, t: Tain, prefix: string): string {
  let out = '';
  if (stamps.tai64n) out += `${formatTain(t)} `;
  if (stamps.iso) out += `${isoLocal(t)}  `;
  return prefix === '' ? out : `${out}${prefix} `;
}
