/** The shared wire vectors (copied from Python repod's encoder) and their tagged-JSON reader. */
import { readFileSync } from "node:fs";

export interface Vector {
  name: string;
  value: unknown;
  frame: string;
  exact: boolean;
}

const file = new URL("../fixtures/repod-wire.json", import.meta.url);
export const vectors: Vector[] = (JSON.parse(readFileSync(file, "utf8")) as { cases: Vector[] }).cases;

/** Turns the file's tags ({"$bin"}, {"$float"}, {"$bigint"}) into the values a decoder gives. */
export function untag(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(untag);
  if (value !== null && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (typeof o.$bin === "string") return new Uint8Array(Buffer.from(o.$bin, "hex"));
    if (typeof o.$float === "string") return Number(o.$float);
    if (typeof o.$bigint === "string") {
      const n = BigInt(o.$bigint);
      return Number.isSafeInteger(Number(n)) && BigInt(Number(n)) === n ? Number(n) : n;
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, untag(v)]));
  }
  return value;
}

/** Normalises Buffers to plain Uint8Arrays so deep equality compares bytes only. */
export function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}
