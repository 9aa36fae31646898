/**
 * Our msgpack decoder against msgpackr's (a mature decoder, in its
 * cross-language mode): the same values for Python repod's wire vectors and
 * for every value our encoder writes, and the same verdict — accepted with
 * the same value, or refused — for hostile bytes: truncated, mutated,
 * random, and lengths no payload holds.
 */
import fc from "fast-check";
import { C1, Unpackr } from "msgpackr";
import { describe, expect, it } from "vitest";
import { encodePayload } from "../../runtime/wire/codec.ts";
import { decodeMsgpack as decodeOurs } from "../../runtime/wire/msgpack-decoder.ts";
import { plain, untag, vectors } from "../helpers/vectors.ts";

type Decode = (source: Uint8Array, start: number, end: number) => unknown;

const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: "auto" as "number", bundleStrings: false, copyBuffers: true });

/** msgpackr as the runtime used it: 0xc1 and msgpackr's "undefined" extension refused. */
const decodeMsgpackr: Decode = (source, start, end) => {
  const value = unpackr.unpack(source.subarray(start, end));
  if (value === undefined || value === C1) throw new Error("it holds no value Python could send");
  return value;
};

const decodeAll = (decode: Decode, bytes: Uint8Array) => decode(bytes, 0, bytes.length);

type Verdict = { ok: true; value: unknown } | { ok: false; message: string };

function verdict(decode: Decode, bytes: Uint8Array): Verdict {
  try {
    return { ok: true, value: decodeAll(decode, bytes) };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

/** Only what Python's msgpack and our encoder carry; msgpackr's own extensions (Date, Set, Error, …) are not. */
function isPlain(value: unknown): boolean {
  if (value === null || ["string", "number", "boolean", "bigint"].includes(typeof value)) return true;
  if (value instanceof Uint8Array) return true;
  if (Array.isArray(value)) return value.every(isPlain);
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) return Object.values(value as object).every(isPlain);
  return false;
}

/** Strings that are not valid UTF-8 decode to different replacement text in the two decoders: compare them as "some string". */
function sameValue(ours: unknown, theirs: unknown): boolean {
  if (typeof ours === "string" && ours.includes("\uFFFD")) return typeof theirs === "string";
  if (ours instanceof Uint8Array) return theirs instanceof Uint8Array && Buffer.from(ours).equals(Buffer.from(theirs));
  if (Array.isArray(ours)) return Array.isArray(theirs) && ours.length === theirs.length && ours.every((v, i) => sameValue(v, theirs[i]));
  if (ours !== null && typeof ours === "object") {
    if (theirs === null || typeof theirs !== "object" || Array.isArray(theirs)) return false;
    const a = Object.keys(ours);
    const b = Object.keys(theirs);
    return a.length === b.length && a.every((k, i) => k === b[i] && sameValue((ours as Record<string, unknown>)[k], (theirs as Record<string, unknown>)[k]));
  }
  return Object.is(ours, theirs) || (typeof ours === "number" && Number.isNaN(ours) && Number.isNaN(theirs as number));
}

/** Our decoder agrees with msgpackr on `bytes`: same value, or both refuse (or msgpackr gives a value no repod peer sends). */
function expectSameVerdict(bytes: Uint8Array): void {
  const theirs = verdict(decodeMsgpackr, bytes);
  const ours = verdict(decodeOurs, bytes);
  const hex = Buffer.from(bytes).toString("hex");
  if (theirs.ok && isPlain(theirs.value)) {
    expect(ours.ok, `${hex}: ${ours.ok ? "" : ours.message}`).toBe(true);
    expect(sameValue(ours.ok && ours.value, theirs.value), hex).toBe(true);
  } else {
    expect(ours.ok, `${hex} gave ${ours.ok ? JSON.stringify(plain(ours.value), (_k, v) => (typeof v === "bigint" ? `${v}n` : v)) : ""}`).toBe(false);
  }
}

describe("msgpack decoder", () => {
  it.each(vectors.map((v) => [v.name, v] as const))("decodes Python's %s as msgpackr does", (_name, vector) => {
    const payload = Buffer.from(vector.frame.slice(8), "hex");
    expect(plain(decodeAll(decodeOurs, payload))).toEqual(plain(untag(vector.value)));
    expect(plain(decodeAll(decodeOurs, payload))).toEqual(plain(decodeAll(decodeMsgpackr, payload)));
  });

  it("decodes every value our encoder writes as msgpackr does (property)", () => {
    const leaf = fc.oneof(
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.double(),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
      fc.string({ unit: "grapheme", maxLength: 40 }),
      fc.string({ minLength: 30, maxLength: 300 }),
      fc.uint8Array({ maxLength: 300 }),
    );
    const value = fc.letrec((tie) => ({
      any: fc.oneof({ depthSize: "small" }, leaf, tie("array"), tie("object")),
      array: fc.array(tie("any"), { maxLength: 20 }),
      object: fc.dictionary(fc.string({ maxLength: 12 }), tie("any"), { maxKeys: 20 }),
    })).any;
    fc.assert(
      fc.property(value, (v) => {
        const bytes = encodePayload(v);
        expect(sameValue(decodeAll(decodeOurs, bytes), decodeAll(decodeMsgpackr, bytes))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("gives the same verdict as msgpackr on truncated, mutated and random bytes (property)", () => {
    const valid = fc.jsonValue({ maxDepth: 3 }).map((v) => encodePayload(v));
    const mutated = fc.tuple(valid, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 })).map(([bytes, edits]) => {
      const copy = Uint8Array.from(bytes);
      for (const [at, byte] of edits) copy[at % copy.length] = byte;
      return copy;
    });
    const truncated = fc
      .tuple(valid, fc.nat())
      .filter(([b]) => b.length > 1)
      .map(([bytes, n]) => bytes.subarray(0, 1 + (n % (bytes.length - 1))));
    const random = fc.uint8Array({ minLength: 1, maxLength: 64 });
    fc.assert(fc.property(fc.oneof(mutated, truncated, random), expectSameVerdict), { numRuns: 3000 });
  });

  it.each([
    ["0xc1, a byte msgpack never uses", "c1", "it holds no value Python could send"],
    ["trailing bytes", "c0c0", "Data read, but end of buffer not reached"],
    ["a truncated str 8", "d905616263", "Unexpected end of MessagePack data"],
    ["an array 32 longer than the payload", "ddffffffff00", "Unexpected end of MessagePack data"],
    ["a map 32 longer than the payload", "dfffffffff0000", "Unexpected end of MessagePack data"],
    ["an ext 8", "c70105ab", "extension type 5 is not a value repod sends"],
    ["a map with an array key", "8191c0c0", "Invalid property type for record: object"],
  ])("refuses %s", (_name, hex, message) => {
    expect(() => decodeAll(decodeOurs, Buffer.from(hex, "hex"))).toThrowError(message);
    expect(() => decodeAll(decodeMsgpackr, Buffer.from(hex, "hex"))).toThrowError();
  });

  it("refuses a timestamp extension (msgpackr gives a Date, which no protocol type accepts)", () => {
    const bytes = Buffer.from("d6ff00000000", "hex");
    expect(() => decodeAll(decodeOurs, bytes)).toThrowError("extension type -1 is not a value repod sends");
    expect(decodeAll(decodeMsgpackr, bytes)).toBeInstanceOf(Date);
  });

  it("decodes a range of a larger buffer, and bin as a copy", () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xff]), Buffer.from(encodePayload({ a: Uint8Array.of(1, 2), b: "é" })), Buffer.from([0xff])]);
    const value = decodeOurs(bytes, 2, bytes.length - 1) as { a: Uint8Array; b: string };
    expect(plain(value)).toEqual({ a: Uint8Array.of(1, 2), b: "é" });
    bytes.fill(0);
    expect([...value.a]).toEqual([1, 2]);
  });

  it("never mistakes one cached map key for another of the same length", () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `k${i.toString(36).padStart(3, "0")}`);
    for (let round = 0; round < 2; round++) {
      const object = Object.fromEntries(keys.map((k, i) => [k, i]));
      expect(decodeAll(decodeOurs, encodePayload(object))).toEqual(object);
      expect(decodeAll(decodeOurs, encodePayload({ é: 1, "e\u0301": 2, "\u00ff": 3 }))).toEqual({ é: 1, "e\u0301": 2, "\u00ff": 3 });
    }
  });

  it("turns numbers, booleans and nil keys into strings and __proto__ into __proto_, as msgpackr does", () => {
    const bytes = Buffer.from("84" + "01a161" + "c3a162" + "c0a163" + "a95f5f70726f746f5f5fc0", "hex");
    expect(decodeAll(decodeOurs, bytes)).toEqual({ 1: "a", true: "b", null: "c", __proto_: null });
    expect(decodeAll(decodeOurs, bytes)).toEqual(decodeAll(decodeMsgpackr, bytes));
  });
});
