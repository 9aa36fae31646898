/**
 * One channel's rate limiter on a clock the test moves: the shared message
 * budget, the byte budget, an action's own budget, refusals told once per
 * run, reading paused until the budget has room, and the close after too many.
 */
import { describe, expect, it } from "vitest";
import type { RepodError } from "../../runtime/errors.ts";
import { RateLimiter, rateSettings } from "../../runtime/limits/rate-limiter.ts";
import { ManualClock } from "../helpers/manual-clock.ts";

function limiter(options: Parameters<typeof rateSettings>[0], declared?: Parameters<typeof rateSettings>[1]) {
  const clock = new ManualClock();
  const told: Array<{ message: string; closing: boolean }> = [];
  const reading: boolean[] = [];
  const events = {
    refused: (error: RepodError, closing: boolean) => void told.push({ message: error.message, closing }),
    reading: (on: boolean) => void reading.push(on),
  };
  return { clock, told, reading, limiter: new RateLimiter(rateSettings(options, declared, clock), events) };
}

describe("rate limiter", () => {
  it("spends the shared message budget, pauses reading until it has room, refills it with time, and tells of the first refusal of a run only", () => {
    const { clock, told, reading, limiter: l } = limiter({ messages: { perSecond: 2, burst: 3 } });
    expect([1, 2, 3, 4, 5].map(() => l.allow("move", 10))).toEqual([true, true, true, false, false]);
    expect(told).toEqual([{ message: '"move" is over the limit of 2 messages/s (burst 3): not dispatched', closing: false }]);
    expect(reading).toEqual([false]);
    clock.advance(499);
    expect(l.allow("move", 10)).toBe(false); // still paused: 0.998 of a token
    clock.advance(1);
    expect(reading).toEqual([false, true]);
    expect(l.allow("move", 10)).toBe(true);
    expect(l.allow("move", 10)).toBe(false);
    // Still the same run: nothing told again.
    expect(told).toHaveLength(1);
    clock.advance(10_000); // refills to the burst, not beyond
    expect([1, 2, 3, 4].map(() => l.allow("move", 10))).toEqual([true, true, true, false]);
  });

  it("counts bytes beside messages; a message refused for its bytes still spent its message token", () => {
    const { clock, told, limiter: l } = limiter({ messages: { perSecond: 1, burst: 2 }, bytes: { perSecond: 100, burst: 100 } });
    expect(l.allow("chat", 80)).toBe(true);
    expect(l.allow("chat", 30)).toBe(false);
    expect(told[0]!.message).toBe('"chat" is over the byte budget of 100 bytes/s (burst 100): not dispatched');
    clock.advance(300); // 30 bytes back, but no whole message token
    expect(l.allow("chat", 30)).toBe(false);
    clock.advance(700);
    expect(l.allow("chat", 30)).toBe(true);
  });

  it("gives an action with its own budget a bucket of its own; the others share theirs", () => {
    const {
      clock,
      told,
      limiter: l,
    } = limiter({ messages: { perSecond: 1, burst: 2 }, actions: { fire: { perSecond: 1, burst: 1 } } }, { move: { perSecond: 1, burst: 3 } });
    expect([1, 2].map(() => l.allow("fire", 1))).toEqual([true, false]);
    expect(told[0]!.message).toBe('"fire" is over its limit of 1 messages/s (burst 1): not dispatched');
    clock.advance(1000);
    expect([1, 2, 3, 4].map(() => l.allow("move", 1))).toEqual([true, true, true, false]);
    clock.advance(1000);
    expect([1, 2, 3].map(() => l.allow("chat", 1))).toEqual([true, true, false]);
  });

  it("closes a client whose refusals outnumber its accepted messages by more than closeAfter, then refuses everything", () => {
    const { clock, told, limiter: l } = limiter({ messages: { perSecond: 1, burst: 1 }, closeAfter: 3 });
    expect(l.allow("move", 1)).toBe(true);
    expect([1, 2, 3].map(() => l.allow("move", 1))).toEqual([false, false, false]);
    clock.advance(1000);
    expect(l.allow("move", 1)).toBe(true); // one accepted: strikes 3 → 2
    expect([1, 2].map(() => l.allow("move", 1))).toEqual([false, false]);
    expect(told.map((t) => t.closing)).toEqual([false, true]);
    expect(told[1]!.message).toBe('"move" is over the limit of 1 messages/s (burst 1), and more than 3 messages were over it: closing');
    clock.advance(10_000);
    expect(l.allow("move", 1)).toBe(false);
    expect(told).toHaveLength(2);
  });
});
