/**
 * A crash loop is said once, then counted: the first failure of a streak is logged with its reason, repeats of the
 * same reason are only counted (and summarised at 10, 100, 1000 … failures), a new reason is logged again.
 */
import type { Logger } from '../sys/logger';

export function formatDelay(ms: number): string {
  if (ms === 0) return 'at once';
  return ms % 1000 === 0 ? `in ${ms / 1000} s` : `in ${ms} ms`;
}

export function deathReason(wstat: number, signalName: (n: number) => string): string {
  const signal = wstat & 0x7f;
  if (signal !== 0) return `run was killed by ${signalName(signal)}`;
  const code = (wstat >> 8) & 0xff;
  const hint =
    code === 127
      ? ' (command not found: does the program run execs exist?)'
      : code === 126
        ? ' (a program run execs is not executable)'
        : '';
  return `run exited ${code}${hint}`;
}

export class FailureReport {
  private reason: string | undefined;
  private nextSummary = 10;

  constructor(
    private readonly log: Logger,
    private readonly name: string,
  ) {}

  failed(reason: string, failures: number, delayMs: number, uptimeMs?: number): void {
    const after =
      uptimeMs === undefined ? '' : ` after ${uptimeMs < 1000 ? `${Math.round(uptimeMs)} ms` : `${(uptimeMs / 1000).toFixed(1)} s`}`;
    if (failures <= 1 || reason !== this.reason) {
      this.reason = reason;
      this.nextSummary = Math.max(10, 10 ** Math.ceil(Math.log10(failures + 1)));
      const streak = failures > 1 ? ` (failure ${failures} in a row)` : '';
      this.log.warn(`${this.name}: ${reason}${after}${streak}; restarting ${formatDelay(delayMs)} (repeats are counted, not logged)`);
      return;
    }
    if (failures >= this.nextSummary) {
      this.nextSummary *= 10;
      this.log.warn(`${this.name}: still failing: ${reason}; ${failures} failures in a row, next start ${formatDelay(delayMs)}`);
    }
  }
}
