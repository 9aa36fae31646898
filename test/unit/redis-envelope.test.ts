import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Delivery } from "../../runtime/adapter/adapter.ts";
import { type Envelope, openEnvelope, sealEnvelope } from "../../runtime/adapter/redis-envelope.ts";
import { decodePayload, encodeFrame, payloadOf } from "../../runtime/wire/codec.ts";

describe("Redis envelope", () => {
  const frame = encodeFrame({ action: "hit", n: 7, who: "ünïcode" });
  const deliveries: Delivery[] = [
    { audience: { to: "all" } },
    { audience: { to: "all" }, except: "abc.1" },
    { audience: { to: "group", group: "match-ü-42" }, except: "abc.2" },
    { audience: { to: "channel", id: "def.z" } },
  ];

  it.each(deliveries)("carries the frame's bytes untouched with origin, audience and except: %j", (delivery) => {
    const opened = openEnvelope(sealEnvelope("abc", frame, delivery)) as Envelope;
    expect(opened.origin).toBe("abc");
    expect(opened.delivery).toEqual({ except: undefined, ...delivery });
    expect(Buffer.from(opened.frame).equals(Buffer.from(frame))).toBe(true);
    expect(decodePayload(payloadOf(opened.frame))).toEqual({ action: "hit", n: 7, who: "ünïcode" });
  });

  it("gives the frame its own copy, so a reused read buffer cannot change it later", () => {
    const sealed = sealEnvelope("abc", frame, deliveries[0]!);
    const opened = openEnvelope(sealed) as Envelope;
    sealed.fill(0);
    expect(decodePayload(payloadOf(opened.frame))).toEqual({ action: "hit", n: 7, who: "ünïcode" });
  });

  it("refuses bytes that are not an envelope, with a reason, without throwing", () => {
    const sealed = sealEnvelope("abc", frame, deliveries[2]!);
    expect(openEnvelope(new Uint8Array([]))).toMatch(/version/);
    expect(openEnvelope(Buffer.from("hello"))).toMatch(/version/);
    expect(openEnvelope(Uint8Array.from([1, 9, 0, 0]))).toMatch(/audience/);
    expect(openEnvelope(sealed.subarray(0, 8))).toMatch(/truncated/);
    expect(openEnvelope(sealed.subarray(0, sealed.length - 1))).toMatch(/length prefix/);
  });
});

describe("entry points", () => {
  /** Every runtime file reachable from `file` through static imports. */
  function reachable(file: URL, seen = new Set<string>()): Set<string> {
    if (seen.has(file.href)) return seen;
    seen.add(file.href);
    const source = readFileSync(file, "utf8");
    for (const [, spec] of source.matchAll(/(?:import|export)[^"']*?from\s+["']([^"']+)["']/g)) {
      if (spec!.startsWith(".")) reachable(new URL(spec!, file), seen);
      else seen.add(spec!);
    }
    return seen;
  }

  it("the main entry never imports ioredis; repod/redis does", () => {
    const main = reachable(new URL("../../runtime/index.ts", import.meta.url));
    expect(main.size).toBeGreaterThan(10);
    expect([...main].filter((spec) => spec === "ioredis" || /\/(redis[^/]*|adapter\/redis[^/]*)\.ts$/.test(spec))).toEqual([]);
    expect(reachable(new URL("../../runtime/redis.ts", import.meta.url)).has("ioredis")).toBe(true);
  });
});
