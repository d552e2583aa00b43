/** Settings read from the environment by the long-running applets. */
import type { Logger } from './logger';

/**
 * A duration in ms from the environment. s6-overlay's S6_* variables are plain digits; anything else is said once,
 * through `log`, and the fallback used (a unit such as "3s" is not guessed at).
 */
export function envMilliseconds(name: string, fallback: number, log: Logger): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) {
    log.warn(`${name}=${JSON.stringify(raw)} is not a number of milliseconds: using ${fallback}`);
    return fallback;
  }
  return Number(raw);
}
