/**
 * What a channel paused by its rate limits may refuse without decoding: an
 * application message laid out with `action` first. Anything else (control
 * frames, the greeting, other layouts) is decoded as usual.
 */
import { describe, expect, it } from "vitest";
import { isApplicationMessage } from "../../runtime/limits/peek.ts";
import { encodePayload } from "../../runtime/wire/codec.ts";

const check = (value: unknown): boolean => {
  const payload = encodePayload(value);
  // Inside a larger buffer, as frames arrive.
  const source = new Uint8Array(payload.length + 6);
  source.set(payload, 3);
  return isApplicationMessage(source, 3, 3 + payload.length);
};

describe("isApplicationMessage", () => {
  it("says yes to a message whose first key is its action", () => {
    expect(check({ action: "move", x: 1 })).toBe(true);
    expect(check({ action: "m" })).toBe(true);
    expect(check({ action: "a".repeat(40), text: "hi" })).toBe(true); // str8
    expect(check({ action: "a".repeat(300) })).toBe(true); // str16
    expect(check(Object.fromEntries([["action", "move"], ...Array.from({ length: 20 }, (_, i) => [`k${i}`, i])]))).toBe(true); // map16
  });

  it("says no to control frames, the greeting, and whatever it cannot tell without decoding", () => {
    expect(check({ action: "_ack", n: 3 })).toBe(false);
    expect(check({ action: "_reply", id: 1 })).toBe(false);
    expect(check({ action: "connected" })).toBe(false);
    expect(check({ x: 1, action: "move" })).toBe(false);
    expect(check({ action: "" })).toBe(false);
    expect(check({ action: 3 })).toBe(false);
    expect(check({})).toBe(false);
    expect(check(["move"])).toBe(false);
    expect(check("move")).toBe(false);
    expect(check({ actions: "move" })).toBe(false);
    expect(isApplicationMessage(encodePayload({ action: "move" }), 0, 5)).toBe(false); // cut short
  });
});
