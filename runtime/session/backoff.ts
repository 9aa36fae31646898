/**
 * Exponential backoff with jitter for reconnecting. Attempt n waits a random
 * time between half and all of `min(maxDelayMs, minDelayMs · 2^(n-1))`,
 * never less than `minDelayMs`: quick after a blip, spread out (so that a
 * thousand clients of a restarted server do not come back in one instant)
 * and capped after a long outage.
 */

export interface BackoffOptions {
  /** The first attempt's delay, and the least any attempt waits. */
  minDelayMs: number;
  /** The most any attempt waits. */
  maxDelayMs: number;
}

/** Milliseconds to wait before attempt `attempt` (1, 2, …). `random` gives numbers in [0, 1). */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const { minDelayMs, maxDelayMs } = options;
  const cap = Math.max(minDelayMs, Math.min(maxDelayMs, minDelayMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 40)));
  const low = Math.max(minDelayMs, cap / 2);
  return Math.round(low + random() * (cap - low));
}
