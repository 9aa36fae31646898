/**
 * The msgpack decoder: what Python's `msgpack` sends (and our encoder
 * writes), decoded to plain values.
 *
 * - nil, booleans, floats, strings (UTF-8), arrays, bin (a copy, as a
 *   `Uint8Array`: never a view of a socket's chunk);
 * - integers as `number`; 64-bit ones as `bigint` beyond ±2^53;
 * - maps as plain objects; keys that are numbers, booleans or nil become
 *   strings, a `__proto__` key becomes `__proto_`;
 * - refused with an `Error` (the codec's `DECODE_FAILED`): the unused byte
 *   0xc1, extension types (repod peers never send one), truncated data,
 *   bytes after the value, and a length that the remaining bytes cannot
 *   hold (checked before anything is allocated).
 *
 * Why our own rather than msgpackr's `Unpackr`, which decoded until now:
 * the msgpackr package is 2.6 MB installed (bundles, maps and tests beside
 * the code), more than all the rest of a game's runtime dependencies, and
 * its decoder is 7 KB gzipped in a browser bundle; this one is about 1 KB.
 * It gives the values msgpackr gives in its cross-language mode
 * (test/unit/msgpack-decoder.test.ts compares them on Python's vectors and
 * on random and hostile bytes) and is as fast on game messages: short ASCII
 * strings are built in JavaScript and map keys come from a small cache.
 */

const utf8 = new TextDecoder();
const TWO_53 = 2n ** 53n;
const END = "Unexpected end of MessagePack data";

// One decode at a time (decoding is synchronous): its input, position and end.
let src: Uint8Array = new Uint8Array(0);
let pos = 0;
let end = 0;
const EMPTY = new Uint8Array(0);
// A DataView of the last source that held a float or a signed integer; kept for the next decode from the same chunk.
let view: DataView<ArrayBufferLike> = new DataView(EMPTY.buffer);
let viewOf: Uint8Array = EMPTY;

function dataView(): DataView {
  if (viewOf !== src) {
    view = new DataView(src.buffer, src.byteOffset, src.byteLength);
    viewOf = src;
  }
  return view;
}

/** Moves past `n` bytes and returns where they start; throws if fewer remain. */
function take(n: number): number {
  const at = pos;
  if (n > end - at) throw new Error(END);
  pos = at + n;
  return at;
}

function u8(): number {
  if (pos >= end) throw new Error(END);
  return src[pos++]!;
}

function u16(): number {
  const at = take(2);
  return (src[at]! << 8) | src[at + 1]!;
}

function u32(): number {
  const at = take(4);
  return src[at]! * 0x1000000 + ((src[at + 1]! << 16) | (src[at + 2]! << 8) | src[at + 3]!);
}

function read(): unknown {
  const token = u8();
  if (token < 0x80) return token;
  if (token < 0x90) return readMap(token & 0x0f);
  if (token < 0xa0) return readArray(token & 0x0f);
  if (token < 0xc0) return readString(token & 0x1f);
  if (token >= 0xe0) return token - 0x100;
  switch (token) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xc4:
      return readBin(u8());
    case 0xc5:
      return readBin(u16());
    case 0xc6:
      return readBin(u32());
    case 0xca:
      return dataView().getFloat32(take(4));
    case 0xcb:
      return dataView().getFloat64(take(8));
    case 0xcc:
      return u8();
    case 0xcd:
      return u16();
    case 0xce:
      return u32();
    case 0xcf:
      return int64(dataView().getBigUint64(take(8)));
    case 0xd0:
      return dataView().getInt8(take(1));
    case 0xd1:
      return dataView().getInt16(take(2));
    case 0xd2:
      return dataView().getInt32(take(4));
    case 0xd3:
      return int64(dataView().getBigInt64(take(8)));
    case 0xd9:
      return readString(u8());
    case 0xda:
      return readString(u16());
    case 0xdb:
      return readString(u32());
    case 0xdc:
      return readArray(u16());
    case 0xdd:
      return readArray(u32());
    case 0xde:
      return readMap(u16());
    case 0xdf:
      return readMap(u32());
    case 0xc1:
      throw new Error("it holds no value Python could send");
    default:
      // 0xc7–0xc9 ext 8/16/32 (a length, then the type), 0xd4–0xd8 fixext (the type).
      if (token < 0xd4) take(1 << (token - 0xc7));
      throw new Error(`extension type ${(u8() << 24) >> 24} is not a value repod sends`);
  }
}

function readString(length: number): string {
  const at = take(length);
  if (length < 32) {
    // Short ASCII (keys, actions, names) is cheaper built here than through TextDecoder.
    let text = "";
    for (let i = at; i < pos; i++) {
      const byte = src[i]!;
      if (byte >= 0x80) return utf8.decode(src.subarray(at, pos));
      text += String.fromCharCode(byte);
    }
    return text;
  }
  return utf8.decode(src.subarray(at, pos));
}

function readBin(length: number): Uint8Array {
  const at = take(length);
  // A copy (Uint8Array's slice: a Buffer's own slice would be a view of the socket's chunk).
  return Uint8Array.prototype.slice.call(src, at, pos);
}

function readArray(length: number): unknown[] {
  // Every element takes at least a byte: refuse a length the rest cannot hold before allocating.
  if (length > end - pos) throw new Error(END);
  const array = new Array<unknown>(length);
  for (let i = 0; i < length; i++) array[i] = read();
  return array;
}

/**
 * Map keys repeat in every message (`action`, `x`, `y`): short ASCII keys
 * are looked up here by their bytes, so decoding one allocates nothing.
 */
const keyCache: string[] = new Array<string>(1024).fill("");

function readKey(): unknown {
  const token = src[pos]!;
  const length = token - 0xa0;
  if (length < 0 || length > 16 || length > end - pos - 1) return read();
  const at = pos + 1;
  let hash = length;
  for (let i = at; i < at + length; i++) hash = (hash * 31 + src[i]!) & 1023;
  const cached = keyCache[hash]!;
  if (cached.length === length) {
    let same = true;
    for (let i = 0; i < length; i++) {
      if (cached.charCodeAt(i) !== src[at + i]) {
        same = false;
        break;
      }
    }
    if (same) {
      pos = at + length;
      return cached;
    }
  }
  pos = at;
  const key = readString(length);
  if (key.length === length) keyCache[hash] = key; // ASCII only: one byte per character
  return key;
}

function readMap(length: number): Record<string, unknown> {
  if (length > (end - pos) / 2) throw new Error(END);
  const object: Record<string, unknown> = {};
  for (let i = 0; i < length; i++) {
    let key = readKey();
    if (typeof key !== "string") {
      if (key !== null && typeof key === "object") throw new Error(`Invalid property type for record: ${typeof key}`);
      key = String(key);
    }
    object[key === "__proto__" ? "__proto_" : (key as string)] = read();
  }
  return object;
}

/** A 64-bit integer as msgpackr's `int64AsType: "auto"` gives it: a number within ±2^53, else a bigint. */
function int64(n: bigint): number | bigint {
  return n <= TWO_53 && n >= -TWO_53 ? Number(n) : n;
}

/**
 * Decodes the one msgpack value in `source[start, stop)` (not empty). Throws
 * an `Error` saying what is wrong with the bytes; the codec turns it into
 * `DECODE_FAILED`.
 */
export function decodeMsgpack(source: Uint8Array, start: number, stop: number): unknown {
  src = source;
  pos = start;
  end = stop;
  try {
    const value = read();
    if (pos !== stop) throw new Error("Data read, but end of buffer not reached");
    return value;
  } finally {
    src = EMPTY;
  }
}
