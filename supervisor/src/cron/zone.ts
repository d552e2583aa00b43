/**
 * Time zones for cron: the UTC offset of a zone at an instant, and the instants where it changes (DST). Built on
 * Intl (ICU's zone data, inside Node itself), so an image needs no tzdata for CRON_TZ to work.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The zone nuwa cron schedules in when a crontab says nothing: TZ, else /etc/localtime (as ICU reads them). */
export function localZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Throws an Error naming `zone` when ICU does not know it. */
export function checkZone(zone: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    throw new Error(`unknown time zone '${zone}'`);
  }
}

/** Wall-clock time minus UTC at instant `ms`, in milliseconds (whole seconds). */
export function offsetAt(zone: string, ms: number): number {
  const second = Math.floor(ms / 1000) * 1000;
  const parts: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(new Date(second))) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
  const wall = Date.UTC(year, Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return wall - second;
}

/** Wall-clock milliseconds ("local time as if it were UTC") at instant `ms`. */
export function wallAt(zone: string, ms: number): number {
  return ms + offsetAt(zone, ms);
}

/** Offsets only change on whole seconds, and never twice within this step (real zones keep them months apart). */
const PROBE_MS = 6 * 3600_000;

/**
 * The first instant in (from, until] where the zone's offset differs from its offset at `from`, to the second;
 * undefined when there is none.
 */
export function nextTransition(zone: string, from: number, until: number): number | undefined {
  const base = offsetAt(zone, from);
  let lo = from;
  for (;;) {
    if (lo >= until) return undefined;
    const hi = Math.min(lo + PROBE_MS, until);
    if (offsetAt(zone, hi) !== base) {
      // Binary search in (lo, hi] for the first second with the new offset.
      let a = Math.floor(lo / 1000);
      let b = Math.floor(hi / 1000);
      while (b - a > 1) {
        const mid = Math.floor((a + b) / 2);
        if (offsetAt(zone, mid * 1000) === base) a = mid;
        else b = mid;
      }
      return b * 1000;
    }
    lo = hi;
  }
}

/** `2026-03-29 03:00:00 +02:00`: an instant as a person in `zone` reads it. */
export function formatInZone(zone: string, ms: number): string {
  const off = offsetAt(zone, ms);
  const iso = new Date(Math.floor(ms / 1000) * 1000 + off).toISOString();
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off) / 60_000;
  return (
    `${iso.slice(0, 10)} ${iso.slice(11, 19)} ` +
    `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
  );
}
