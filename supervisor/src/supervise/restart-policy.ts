/**
 * nuwa's restart policy, where it deliberately differs from s6 (which waits 1 s before every restart of a service
 * that was not ready for at least 1 s):
 *  - a service that had been up for at least `minUptimeMs` (default 1 s) restarts at once;
 *  - one that dies sooner backs off: `delayMs`, then twice that, … up to `delayMaxMs` (1 s, 2 s, 4 s … 30 s);
 *  - the back-off level is kept while the service keeps dying within `resetMs` (default 60 s) of its start, and
 *    forgotten once it has stayed up that long;
 *  - a death the user asked for (s6-svc -r, -k, -t …) restarts at once and never counts as a failure.
 * Pure functions: the supervisor feeds them uptimes and gets back delays.
 */
export interface RestartPolicy {
  /** Uptime (ms) from which a death restarts at once. */
  minUptimeMs: number;
  /** First back-off delay (ms). */
  delayMs: number;
  /** Back-off cap (ms). */
  delayMaxMs: number;
  /** Uptime (ms) after which the back-off level is forgotten. */
  resetMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  minUptimeMs: 1000,
  delayMs: 1000,
  delayMaxMs: 30_000,
  resetMs: 60_000,
};

/**
 * A logger's (`X/log`): no back-off beyond s6's 1 s. Its service writes into the pipe the scanner holds, so nothing is
 * lost while the logger is down, but once the pipe is full the service's write() blocks until the logger is back: a
 * logger that keeps dying must not hold its service for 2, 4 … 30 s. The knob files still apply over it.
 */
export const LOGGER_RESTART_POLICY: RestartPolicy = { ...DEFAULT_RESTART_POLICY, delayMaxMs: 1000 };

export interface AfterDeath {
  /** Consecutive failures so far (the back-off level). */
  failures: number;
  /** How long to wait before the next start (ms). */
  delayMs: number;
  /** Whether this death counted as a failure. */
  failed: boolean;
}

/** Back-off delay for the n-th consecutive failure (n ≥ 1). */
export function backoffDelay(n: number, policy: RestartPolicy): number {
  if (n <= 0) return 0;
  const delay = policy.delayMs * 2 ** Math.min(n - 1, 40);
  return Math.min(delay, policy.delayMaxMs);
}

/** What a death after `uptimeMs` of running means for the next start. */
export function afterDeath(failures: number, uptimeMs: number, requested: boolean, policy: RestartPolicy): AfterDeath {
  const kept = uptimeMs >= policy.resetMs ? 0 : failures;
  if (requested || uptimeMs >= policy.minUptimeMs) return { failures: kept, delayMs: 0, failed: false };
  const next = failures + 1;
  return { failures: next, delayMs: backoffDelay(next, policy), failed: true };
}

/**
 * A run that cannot even be spawned (missing, not executable, bad shebang) will not be fixed by retrying at once, and
 * each attempt costs file checks and a status write: never sooner than this, whatever the knobs say (s6 waits 1 s).
 */
export const SPAWN_RETRY_MIN_MS = 1000;

/** A start that could not even spawn run counts as a failure too. */
export function afterSpawnFailure(failures: number, policy: RestartPolicy): AfterDeath {
  const next = failures + 1;
  return { failures: next, delayMs: Math.max(SPAWN_RETRY_MIN_MS, backoffDelay(next, policy)), failed: true };
}
