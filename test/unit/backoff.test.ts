import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../runtime/index.ts";

describe("backoffDelay", () => {
  it("waits between half and all of min(max, min·2ⁿ⁻¹), never less than min nor more than max", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, minDelayMs, extra, r) => {
          const maxDelayMs = minDelayMs + extra;
          const delay = backoffDelay(attempt, { minDelayMs, maxDelayMs }, () => r);
          const cap = Math.min(maxDelayMs, minDelayMs * 2 ** (attempt - 1));
          expect(delay).toBeGreaterThanOrEqual(minDelayMs);
          expect(delay).toBeLessThanOrEqual(maxDelayMs);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(Math.max(minDelayMs, cap / 2)));
          expect(delay).toBeLessThanOrEqual(Math.ceil(cap));
        },
      ),
    );
  });

  it("grows exponentially, then stays at the cap", () => {
    const top = (n: number): number => backoffDelay(n, { minDelayMs: 100, maxDelayMs: 5000 }, () => 0.999999);
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(top)).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    const bottom = (n: number): number => backoffDelay(n, { minDelayMs: 100, maxDelayMs: 5000 }, () => 0);
    expect([1, 2, 3, 7, 20].map(bottom)).toEqual([100, 100, 200, 2500, 2500]);
  });

  it("spreads clients out: 1,000 draws of one attempt are not all the same", () => {
    const delays = new Set(Array.from({ length: 1000 }, () => backoffDelay(6, { minDelayMs: 100, maxDelayMs: 5000 })));
    expect(delays.size).toBeGreaterThan(100);
  });
});
