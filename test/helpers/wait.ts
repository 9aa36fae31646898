/**
 * Waiting in tests. Tests wait for a condition, never for a time: how long
 * something takes depends on the machine and on what else runs on it. The
 * bound only ends a test that is broken, so it is generous: a shared CI
 * machine with both cores busy may take many times longer than a quiet one.
 */

/** How long a test waits for something that should happen before it fails. */
export const PATIENCE_MS = 30_000;

/** Waits until `check()` is true, polling every few ms; fails after `timeoutMs` with `what`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = PATIENCE_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(2);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
