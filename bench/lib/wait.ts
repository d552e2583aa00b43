/** Waiting without busy loops: sleeps, and polling a condition with a deadline that fails loudly. */

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function until<T>(what: string, check: () => T | undefined | null | false, timeoutMs: number, everyMs = 5): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The monotonic clock the probes use (CLOCK_MONOTONIC: libuv's hrtime), in ns. */
export function nowNs(): bigint {
  return process.hrtime.bigint();
}
