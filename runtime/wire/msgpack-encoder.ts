/**
 * The msgpack encoder: writes values exactly as Python's
 * `msgpack.packb(value, use_bin_type=True)` does, straight into a frame.
 *
 * Why not msgpackr's `Packr` (which we use to decode): it writes integers
 * beyond 32 bits as float64 and positive 64-bit bigints as int64, where
 * Python writes the smallest unsigned integer; a Python peer would see a
 * float where the game sent an int. This encoder also reserves the 4-byte
 * length prefix in the same buffer, so a frame is built with no copy, and it
 * refuses what a Python peer could not decode (Date, functions, typed arrays
 * other than Uint8Array, cycles) with `ENCODE_FAILED` instead of inventing
 * an extension type.
 *
 * Frames are cut from a slab (like Node's own Buffer pool): each `encode()`
 * returns a view of its own bytes, which later encodes never overwrite.
 *
 * @example
 * ```ts
 * const encoder = new MsgpackEncoder();
 * const frame = encoder.encodeFrame({ action: "ping", count: 5 });
 * // frame = 00 00 00 14 | 82 a6 "action" a4 "ping" a5 "count" 05
 * ```
 */
import { HEADER_BYTES, MAX_ENCODE_DEPTH } from "../constants.ts";
import { RepodError } from "../errors.ts";

const SLAB_BYTES = 64 * 1024;
const hasBuffer = typeof Buffer !== "undefined";
const textEncoder = new TextEncoder();

function allocate(size: number): Uint8Array {
  return hasBuffer ? Buffer.allocUnsafeSlow(size) : new Uint8Array(size);
}

/** Thrown inside the encoder and turned into ENCODE_FAILED with the path of the bad value. */
class EncodeProblem extends Error {
  constructor(
    readonly path: string,
    readonly what: string,
  ) {
    super(what);
  }
}

export class MsgpackEncoder {
  private slab: Uint8Array = allocate(SLAB_BYTES);
  private view = new DataView(this.slab.buffer, this.slab.byteOffset, this.slab.byteLength);
  private pos = 0;
  /** Where the frame being written starts in the slab. */
  private start = 0;

  /**
   * Encodes `value` as one frame: 4-byte big-endian length, then the msgpack
   * payload. Throws `ENCODE_FAILED` naming the path of a value msgpack
   * cannot carry.
   */
  encodeFrame(value: unknown): Uint8Array {
    return this.encode(value, HEADER_BYTES);
  }

  /** Encodes `value` as a bare msgpack payload (no length prefix). */
  encodePayload(value: unknown): Uint8Array {
    return this.encode(value, 0);
  }

  private encode(value: unknown, header: number): Uint8Array {
    if (this.slab.length - this.pos < 256) this.newSlab(0);
    this.start = this.pos;
    this.pos += header;
    try {
      this.write(value, 0);
    } catch (error) {
      this.pos = this.start;
      if (error instanceof EncodeProblem) {
        const path = error.path.startsWith(".") ? error.path.slice(1) : error.path;
        throw new RepodError("ENCODE_FAILED", `cannot encode ${path || "the message"}: ${error.what}`);
      }
      if (error instanceof RangeError) {
        throw new RepodError("ENCODE_FAILED", `cannot encode the message: ${error.message}`, { cause: error });
      }
      throw error;
    }
    const end = this.pos;
    if (header) this.view.setUint32(this.start, end - this.start - header);
    // Keep frames 8-byte aligned in the slab; the next frame starts after this one.
    this.pos = (end + 7) & ~7;
    return this.slab.subarray(this.start, end);
  }

  /** Makes room for `bytes` more bytes, moving the frame being written to a new slab if needed. */
  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.slab.length) return;
    this.newSlab(bytes);
  }

  private newSlab(bytes: number): void {
    const written = this.pos - this.start;
    const old = this.slab;
    const size = Math.max(SLAB_BYTES, (written + bytes) * 2);
    this.slab = allocate(size);
    this.view = new DataView(this.slab.buffer, this.slab.byteOffset, this.slab.byteLength);
    if (written) this.slab.set(old.subarray(this.start, this.pos), 0);
    this.start = 0;
    this.pos = written;
  }

  private write(value: unknown, depth: number): void {
    switch (typeof value) {
      case "string":
        return this.writeString(value);
      case "number":
        return this.writeNumber(value);
      case "boolean":
        this.ensure(1);
        this.slab[this.pos++] = value ? 0xc3 : 0xc2;
        return;
      case "object":
        if (value === null) {
          this.ensure(1);
          this.slab[this.pos++] = 0xc0;
          return;
        }
        if (depth >= MAX_ENCODE_DEPTH) {
          throw new EncodeProblem("", `nesting deeper than ${MAX_ENCODE_DEPTH} levels (is there a cycle?)`);
        }
        if (Array.isArray(value)) return this.writeArray(value, depth);
        if (value instanceof Uint8Array) return this.writeBin(value);
        return this.writeObject(value, depth);
      case "bigint":
        return this.writeBigInt(value);
      case "undefined":
        throw new EncodeProblem("", "undefined (use null, or leave the field out)");
      default:
        throw new EncodeProblem("", `a ${typeof value} (only strings, numbers, booleans, null, arrays, plain objects, Uint8Array and bigint travel)`);
    }
  }

  private writeNumber(n: number): void {
    // -0 is no integer to Python: it stays a float so that it comes back as -0.
    if (Number.isSafeInteger(n) && (n !== 0 || 1 / n > 0)) {
      this.writeInt(n);
      return;
    }
    this.ensure(9);
    this.slab[this.pos] = 0xcb;
    this.view.setFloat64(this.pos + 1, n);
    this.pos += 9;
  }

  private writeInt(n: number): void {
    this.ensure(9);
    const s = this.slab;
    let p = this.pos;
    if (n >= 0) {
      if (n < 0x80) s[p++] = n;
      else if (n < 0x100) {
        s[p++] = 0xcc;
        s[p++] = n;
      } else if (n < 0x10000) {
        s[p++] = 0xcd;
        s[p++] = n >>> 8;
        s[p++] = n & 0xff;
      } else if (n < 0x100000000) {
        s[p++] = 0xce;
        this.view.setUint32(p, n);
        p += 4;
      } else {
        s[p++] = 0xcf;
        this.view.setUint32(p, Math.floor(n / 0x100000000));
        this.view.setUint32(p + 4, n >>> 0);
        p += 8;
      }
    } else if (n >= -0x20) s[p++] = 0x100 + n;
    else if (n >= -0x80) {
      s[p++] = 0xd0;
      s[p++] = n + 0x100;
    } else if (n >= -0x8000) {
      s[p++] = 0xd1;
      this.view.setInt16(p, n);
      p += 2;
    } else if (n >= -0x80000000) {
      s[p++] = 0xd2;
      this.view.setInt32(p, n);
      p += 4;
    } else {
      s[p++] = 0xd3;
      this.view.setBigInt64(p, BigInt(n));
      p += 8;
    }
    this.pos = p;
  }

  private writeBigInt(n: bigint): void {
    if (n >= -0x8000000000000000n && n <= 0xffffffffffffffffn) {
      if (n >= -9007199254740991n && n <= 9007199254740991n) return this.writeInt(Number(n));
      this.ensure(9);
      if (n > 0n) {
        this.slab[this.pos] = 0xcf;
        this.view.setBigUint64(this.pos + 1, n);
      } else {
        this.slab[this.pos] = 0xd3;
        this.view.setBigInt64(this.pos + 1, n);
      }
      this.pos += 9;
      return;
    }
    throw new EncodeProblem("", `the integer ${n} does not fit in 64 bits`);
  }

  private writeString(str: string): void {
    const length = str.length;
    // Worst case 3 bytes per UTF-16 unit; reserve the header for that, shrink after.
    const max = length * 3;
    const headerBytes = max < 0x20 ? 1 : max < 0x100 ? 2 : max < 0x10000 ? 3 : 5;
    this.ensure(headerBytes + max);
    const s = this.slab;
    const at = this.pos + headerBytes;
    let bytes: number;
    if (length < 64) {
      bytes = 0;
      for (let i = 0; i < length; i++) {
        const c = str.charCodeAt(i);
        if (c >= 0x80) {
          bytes = -1;
          break;
        }
        s[at + i] = c;
      }
      if (bytes === 0) bytes = length;
      else bytes = this.utf8(str, at);
    } else {
      bytes = this.utf8(str, at);
    }
    const actualHeader = bytes < 0x20 ? 1 : bytes < 0x100 ? 2 : bytes < 0x10000 ? 3 : 5;
    if (actualHeader !== headerBytes) s.copyWithin(this.pos + actualHeader, at, at + bytes);
    let p = this.pos;
    if (actualHeader === 1) s[p++] = 0xa0 | bytes;
    else if (actualHeader === 2) {
      s[p++] = 0xd9;
      s[p++] = bytes;
    } else if (actualHeader === 3) {
      s[p++] = 0xda;
      s[p++] = bytes >>> 8;
      s[p++] = bytes & 0xff;
    } else {
      s[p++] = 0xdb;
      this.view.setUint32(p, bytes);
      p += 4;
    }
    this.pos = p + bytes;
  }

  private utf8(str: string, at: number): number {
    // Buffer#utf8Write is what Buffer#write calls after checking its arguments; untyped in @types/node.
    if (hasBuffer) return (this.slab as Buffer & { utf8Write(s: string, at: number): number }).utf8Write(str, at);
    return textEncoder.encodeInto(str, this.slab.subarray(at)).written;
  }

  private writeBin(bin: Uint8Array): void {
    const n = bin.length;
    this.ensure(5 + n);
    const s = this.slab;
    if (n < 0x100) {
      s[this.pos++] = 0xc4;
      s[this.pos++] = n;
    } else if (n < 0x10000) {
      s[this.pos++] = 0xc5;
      s[this.pos++] = n >>> 8;
      s[this.pos++] = n & 0xff;
    } else {
      s[this.pos] = 0xc6;
      this.view.setUint32(this.pos + 1, n);
      this.pos += 5;
    }
    s.set(bin, this.pos);
    this.pos += n;
  }

  private writeLength(n: number, fix: number, short: number): void {
    this.ensure(5);
    const s = this.slab;
    if (n < 16) s[this.pos++] = fix | n;
    else if (n < 0x10000) {
      s[this.pos++] = short;
      s[this.pos++] = n >>> 8;
      s[this.pos++] = n & 0xff;
    } else {
      s[this.pos] = short + 1;
      this.view.setUint32(this.pos + 1, n);
      this.pos += 5;
    }
  }

  private writeArray(array: readonly unknown[], depth: number): void {
    const n = array.length;
    this.writeLength(n, 0x90, 0xdc);
    for (let i = 0; i < n; i++) {
      try {
        this.write(array[i], depth + 1);
      } catch (error) {
        throw at(error, `[${i}]`);
      }
    }
  }

  private writeObject(object: object, depth: number): void {
    if (object instanceof Map) return this.writeMap(object, depth);
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) {
      if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
        throw new EncodeProblem("", `a ${object.constructor.name} (send a Uint8Array for bytes)`);
      }
      if (object instanceof Date || object instanceof Set || object instanceof RegExp || object instanceof Promise) {
        throw new EncodeProblem("", `a ${object.constructor.name} (convert it to a number, string or array first)`);
      }
    }
    const o = object as Record<string, unknown>;
    let count = 0;
    for (const key in o) if (o[key] !== undefined) count++;
    this.writeLength(count, 0x80, 0xde);
    for (const key in o) {
      const v = o[key];
      if (v === undefined) continue; // an absent optional field: Python never sees it
      this.writeString(key);
      try {
        this.write(v, depth + 1);
      } catch (error) {
        throw at(error, isIdentifier(key) ? `.${key}` : `[${JSON.stringify(key)}]`);
      }
    }
  }

  private writeMap(map: Map<unknown, unknown>, depth: number): void {
    this.writeLength(map.size, 0x80, 0xde);
    for (const [key, v] of map) {
      this.write(key, depth + 1);
      try {
        this.write(v === undefined ? null : v, depth + 1);
      } catch (error) {
        throw at(error, `[${JSON.stringify(String(key))}]`);
      }
    }
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
function isIdentifier(key: string): boolean {
  return IDENTIFIER.test(key);
}

/** Prefixes the path of an inner encoding problem with the step that led to it. */
function at(error: unknown, step: string): unknown {
  if (!(error instanceof EncodeProblem)) return error;
  return new EncodeProblem(step + error.path, error.what);
}
