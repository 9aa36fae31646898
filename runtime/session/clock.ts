/**
 * The clock the session timers run on: the heartbeat, the timeout, the
 * resume window and the admission deadline on a server; the heartbeat, the
 * resume answer's deadline and the reconnection backoff on a client.
 *
 * It is the system's clock except in tests, which pass one they move by
 * hand (an internal `clock` option of Server and Client) so that what
 * happens after N heartbeats does not depend on how busy the machine is.
 */

/** A handle returned by {@link Clock.setTimeout}; only its clock knows what it is. */
export type TimerHandle = unknown;

export interface Clock {
  /** Milliseconds since an arbitrary origin, never going back. */
  now(): number;
  /** Calls `fn` once, `ms` from now. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer; ignores `undefined` and timers already run or cancelled. */
  clearTimeout(handle: TimerHandle): void;
}

/** The system's clock: the platform's timers (Node or browser). */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as Parameters<typeof clearTimeout>[0]),
};

/** Lets a timer of the system clock not keep a Node process alive (browsers have no unref). */
export function unref(handle: TimerHandle): void {
  (handle as { unref?: () => void } | undefined)?.unref?.();
}
