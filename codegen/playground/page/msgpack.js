// A small msgpack codec for the playground's page: what repod's messages use
// (nil, booleans, integers, floats, strings, bin, arrays, maps). Integers
// beyond 2^53 decode to BigInt. Plain JavaScript, no build.

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** Encodes one value; throws on what msgpack cannot carry (undefined, functions). */
export function encode(value) {
  const out = [];
  write(value, out);
  return Uint8Array.from(out);
}

function u16(out, n) {
  out.push((n >>> 8) & 0xff, n & 0xff);
}
function u32(out, n) {
  out.push((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

function write(value, out) {
  if (value === null) out.push(0xc0);
  else if (value === false) out.push(0xc2);
  else if (value === true) out.push(0xc3);
  else if (typeof value === "number") writeNumber(value, out);
  else if (typeof value === "bigint") writeBig(value, out);
  else if (typeof value === "string") {
    const bytes = utf8.encode(value);
    const n = bytes.length;
    if (n < 32) out.push(0xa0 | n);
    else if (n < 0x100) out.push(0xd9, n);
    else if (n < 0x10000) {
      out.push(0xda);
      u16(out, n);
    } else {
      out.push(0xdb);
      u32(out, n);
    }
    for (const b of bytes) out.push(b);
  } else if (value instanceof Uint8Array) {
    const n = value.length;
    if (n < 0x100) out.push(0xc4, n);
    else if (n < 0x10000) {
      out.push(0xc5);
      u16(out, n);
    } else {
      out.push(0xc6);
      u32(out, n);
    }
    for (const b of value) out.push(b);
  } else if (Array.isArray(value)) {
    const n = value.length;
    if (n < 16) out.push(0x90 | n);
    else if (n < 0x10000) {
      out.push(0xdc);
      u16(out, n);
    } else {
      out.push(0xdd);
      u32(out, n);
    }
    for (const item of value) write(item, out);
  } else if (typeof value === "object") {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined);
    const n = keys.length;
    if (n < 16) out.push(0x80 | n);
    else if (n < 0x10000) {
      out.push(0xde);
      u16(out, n);
    } else {
      out.push(0xdf);
      u32(out, n);
    }
    for (const key of keys) {
      write(key, out);
      write(value[key], out);
    }
  } else throw new Error(`msgpack cannot carry ${typeof value}`);
}

function writeNumber(n, out) {
  if (Number.isInteger(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER) {
    if (n >= 0) {
      if (n < 0x80) out.push(n);
      else if (n < 0x100) out.push(0xcc, n);
      else if (n < 0x10000) {
        out.push(0xcd);
        u16(out, n);
      } else if (n < 0x100000000) {
        out.push(0xce);
        u32(out, n);
      } else writeBig(BigInt(n), out);
    } else {
      if (n >= -32) out.push(n & 0xff);
      else if (n >= -0x80) out.push(0xd0, n & 0xff);
      else if (n >= -0x8000) {
        out.push(0xd1);
        u16(out, n & 0xffff);
      } else if (n >= -0x80000000) {
        out.push(0xd2);
        u32(out, n >>> 0);
      } else writeBig(BigInt(n), out);
    }
    return;
  }
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, n);
  out.push(0xcb, ...new Uint8Array(view.buffer));
}

function writeBig(n, out) {
  const view = new DataView(new ArrayBuffer(8));
  if (n >= 0n) {
    view.setBigUint64(0, n);
    out.push(0xcf);
  } else {
    view.setBigInt64(0, n);
    out.push(0xd3);
  }
  out.push(...new Uint8Array(view.buffer));
}

/** Decodes exactly one value from `bytes`; throws on bad or trailing bytes. */
export function decode(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const need = (n) => {
    if (at + n > bytes.length) throw new Error("msgpack: truncated");
  };
  const str = (n) => {
    need(n);
    const s = fromUtf8.decode(bytes.subarray(at, at + n));
    at += n;
    return s;
  };
  const bin = (n) => {
    need(n);
    const b = bytes.slice(at, at + n);
    at += n;
    return b;
  };
  const big = (v) => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
  const arr = (n) => {
    const a = [];
    for (let i = 0; i < n; i++) a.push(read());
    return a;
  };
  const map = (n) => {
    const m = {};
    for (let i = 0; i < n; i++) {
      const k = read();
      m[String(k)] = read();
    }
    return m;
  };
  const ext = (n) => {
    need(1 + n);
    const type = view.getInt8(at);
    at += 1;
    const data = bytes.slice(at, at + n);
    at += n;
    return { $ext: type, data };
  };
  function read() {
    need(1);
    const b = bytes[at++];
    if (b < 0x80) return b;
    if (b < 0x90) return map(b & 0x0f);
    if (b < 0xa0) return arr(b & 0x0f);
    if (b < 0xc0) return str(b & 0x1f);
    if (b >= 0xe0) return b - 0x100;
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        need(1);
        return bin(bytes[at++]);
      case 0xc5:
        need(2);
        at += 2;
        return bin(view.getUint16(at - 2));
      case 0xc6:
        need(4);
        at += 4;
        return bin(view.getUint32(at - 4));
      case 0xc7:
        need(1);
        return ext(bytes[at++]);
      case 0xc8:
        need(2);
        at += 2;
        return ext(view.getUint16(at - 2));
      case 0xc9:
        need(4);
        at += 4;
        return ext(view.getUint32(at - 4));
      case 0xca:
        need(4);
        at += 4;
        return view.getFloat32(at - 4);
      case 0xcb:
        need(8);
        at += 8;
        return view.getFloat64(at - 8);
      case 0xcc:
        need(1);
        return bytes[at++];
      case 0xcd:
        need(2);
        at += 2;
        return view.getUint16(at - 2);
      case 0xce:
        need(4);
        at += 4;
        return view.getUint32(at - 4);
      case 0xcf:
        need(8);
        at += 8;
        return big(view.getBigUint64(at - 8));
      case 0xd0:
        need(1);
        at += 1;
        return view.getInt8(at - 1);
      case 0xd1:
        need(2);
        at += 2;
        return view.getInt16(at - 2);
      case 0xd2:
        need(4);
        at += 4;
        return view.getInt32(at - 4);
      case 0xd3:
        need(8);
        at += 8;
        return big(view.getBigInt64(at - 8));
      case 0xd4:
        return ext(1);
      case 0xd5:
        return ext(2);
      case 0xd6:
        return ext(4);
      case 0xd7:
        return ext(8);
      case 0xd8:
        return ext(16);
      case 0xd9:
        need(1);
        return str(bytes[at++]);
      case 0xda:
        need(2);
        at += 2;
        return str(view.getUint16(at - 2));
      case 0xdb:
        need(4);
        at += 4;
        return str(view.getUint32(at - 4));
      case 0xdc:
        need(2);
        at += 2;
        return arr(view.getUint16(at - 2));
      case 0xdd:
        need(4);
        at += 4;
        return arr(view.getUint32(at - 4));
      case 0xde:
        need(2);
        at += 2;
        return map(view.getUint16(at - 2));
      case 0xdf:
        need(4);
        at += 4;
        return map(view.getUint32(at - 4));
      default:
        throw new Error(`msgpack: byte 0x${b.toString(16)} is not a value`);
    }
  }
  const value = read();
  if (at !== bytes.length) throw new Error(`msgpack: ${bytes.length - at} bytes after the value`);
  return value;
}
