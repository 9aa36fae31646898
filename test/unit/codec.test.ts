import { describe, expect, it } from "vitest";
import { RepodError } from "../../runtime/errors.ts";
import { asMessage, decodePayload, encodeFrame, encodePayload } from "../../runtime/wire/codec.ts";
import { FrameDecoder } from "../../runtime/wire/frame-decoder.ts";
import { plain, untag, vectors } from "../helpers/vectors.ts";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

function payloadsOf(frameHex: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  new FrameDecoder(16 * 1024 * 1024).push(Buffer.from(frameHex, "hex"), (s, a, b) => out.push(s.subarray(a, b)));
  return out;
}

describe("codec against Python repod's frames", () => {
  it("has all the shared vectors", () => {
    expect(vectors.length).toBeGreaterThanOrEqual(60);
  });

  for (const vector of vectors) {
    const value = untag(vector.value);
    it(`decodes ${vector.name}`, () => {
      const [payload] = payloadsOf(vector.frame);
      expect(payload).toBeDefined();
      expect(plain(decodePayload(payload!))).toEqual(plain(value));
    });

    it(`encodes ${vector.name} to bytes that decode back${vector.exact ? ", identical to Python's" : ""}`, () => {
      const bytes = encodePayload(value);
      expect(plain(decodePayload(bytes))).toEqual(plain(value));
      if (vector.exact) expect(hex(bytes)).toBe(vector.frame.slice(8));
    });
  }

  const invalid = vectors.slice(-3);
  it.each(invalid.map((v) => [v.name, v] as const))("reports %s as NOT_A_MESSAGE", (_name, vector) => {
    const [payload] = payloadsOf(vector.frame);
    const decoded = decodePayload(payload!);
    expect(() => asMessage(decoded)).toThrowError(RepodError);
    try {
      asMessage(decoded);
    } catch (error) {
      expect((error as RepodError).code).toBe("NOT_A_MESSAGE");
    }
  });

  it("writes exact frames: length prefix + payload", () => {
    for (const vector of vectors.filter((v) => v.exact && !Array.isArray(v.value))) {
      const value = untag(vector.value) as { action?: unknown };
      if (typeof value.action !== "string") continue;
      expect(hex(encodeFrame(value as { action: string }))).toBe(vector.frame);
    }
  });
});

describe("encoder refusals", () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ["a function", { action: "x", f: () => 1 }, /cannot encode f: a function/],
    ["a symbol deep inside", { action: "x", list: [1, { s: Symbol("s") }] }, /list\[1\]\.s: a symbol/],
    ["a Date", { action: "x", when: new Date(0) }, /when: a Date/],
    ["a Float32Array", { action: "x", v: new Float32Array(2) }, /v: a Float32Array \(send a Uint8Array/],
    ["undefined in an array", { action: "x", v: [undefined] }, /v\[0\]: undefined/],
    ["a bigint over 64 bits", { action: "x", v: 2n ** 64n }, /does not fit in 64 bits/],
  ];
  it.each(cases)("throws ENCODE_FAILED for %s", (_name, value, message) => {
    expect(() => encodeFrame(value as { action: string })).toThrowError(message);
    try {
      encodeFrame(value as { action: string });
    } catch (error) {
      expect((error as RepodError).code).toBe("ENCODE_FAILED");
    }
  });

  it("throws ENCODE_FAILED for a cycle", () => {
    const value: Record<string, unknown> = { action: "x" };
    value.self = value;
    expect(() => encodeFrame(value as { action: string })).toThrowError(/nesting deeper than/);
  });

  it("throws ENCODE_FAILED for something that is not a message", () => {
    expect(() => encodeFrame({ text: "no action" } as unknown as { action: string })).toThrowError(/string "action"/);
  });

  it("throws ENCODE_FAILED for a frame over maxFrameBytes", () => {
    expect(() => encodeFrame({ action: "big", text: "x".repeat(2000) }, 1000)).toThrowError(/over maxFrameBytes \(1000\)/);
  });

  it("leaves out undefined fields, as an absent optional field", () => {
    const bytes = encodePayload({ action: "x", a: 1, b: undefined });
    expect(decodePayload(bytes)).toEqual({ action: "x", a: 1 });
  });

  it("keeps earlier frames intact while encoding many more (slab reuse)", () => {
    const first = encodeFrame({ action: "first", n: 1 });
    const copy = hex(first);
    for (let i = 0; i < 20_000; i++) encodeFrame({ action: "filler", text: "y".repeat(i % 100) });
    expect(hex(first)).toBe(copy);
  });

  it("encodes strings of every length class and non-ASCII text", () => {
    for (const text of ["", "é", "🎮".repeat(10), "x".repeat(31), "ü".repeat(100), "x".repeat(70_000), "世界".repeat(40_000)]) {
      expect(decodePayload(encodePayload({ action: "s", text }))).toEqual({ action: "s", text });
    }
  });
});

describe("decoder refusals", () => {
  it("gives DECODE_FAILED for bytes that are not msgpack", () => {
    expect(() => decodePayload(Uint8Array.of(0xc1))).toThrowError(RepodError);
    try {
      decodePayload(Uint8Array.of(0xc1));
    } catch (error) {
      expect((error as RepodError).code).toBe("DECODE_FAILED");
    }
  });

  it("gives DECODE_FAILED for a truncated payload and for an empty one", () => {
    for (const bytes of [Uint8Array.of(0x82, 0xa6), new Uint8Array(0), Uint8Array.of(0xdb, 0xff, 0xff, 0xff, 0xff)]) {
      expect(() => decodePayload(bytes)).toThrowError(/not valid msgpack/);
    }
  });
});
