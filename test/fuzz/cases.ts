/**
 * Fuzz cases: the bytes a hostile or broken peer writes, one case at a time.
 *
 * Every case says what the server must do with it, so the fuzzer can check
 * more than "did not crash":
 * - `intact`: the length prefix matches the body, so framing survives and
 *   the connection must go on serving (bad msgpack, not a map, no
 *   action are reported, never fatal);
 * - `oversized`: the length prefix claims more than `maxFrameBytes`, so the
 *   server must close the connection (FRAME_TOO_LARGE) without buffering;
 * - neither: framing is lost (wrong lengths, raw garbage); the server may do
 *   anything with this connection except crash, hang or hurt the others.
 */
import { decodePayload, encodeFrame, encodePayload } from "../../runtime/index.ts";
import type { Random } from "./random.ts";

export interface FuzzCase {
  /** Which generator made it (for counts and for reproducing a failure). */
  readonly kind: CaseKind;
  readonly bytes: Uint8Array;
  /** The length prefix matches the body: the connection must keep serving. */
  readonly intact: boolean;
  /** The frame claims more than maxFrameBytes: the server must close the connection. */
  readonly oversized: boolean;
  /**
   * The payload decodes to a control frame (action starting with "_"): a
   * session layer may legitimately close a connection over a bad one.
   */
  readonly control: boolean;
}

export const CASE_WEIGHTS = {
  /** A well-formed message with random fields. */
  valid: 10,
  /** Up to 50 frames, valid or flipped, in one piece. */
  burst: 4,
  /** A valid frame with a few bits flipped in its payload. */
  flipped: 20,
  /** A valid frame with bits flipped anywhere, length prefix included. */
  "flipped-anywhere": 5,
  /** A length prefix shorter than the body. */
  "short-length": 4,
  /** A length prefix longer than the body (the next frames are swallowed). */
  "long-length": 4,
  /** A length prefix over maxFrameBytes, up to 4 GiB. */
  "huge-length": 4,
  /** A well-framed payload of hostile msgpack (huge claims, deep nesting, 0xc1, ext, bad UTF-8, trailing bytes…). */
  hostile: 35,
  /** A control frame (action "_…") with random fields. */
  control: 6,
  /** A well-formed message nested as deep as a recursive protocol type allows: a thread of replies, a JSON value. */
  recursive: 3,
  /** Random bytes with no framing at all. */
  garbage: 3,
  /** A valid frame cut short; the connection then goes quiet until it is closed. */
  truncated: 3,
} as const;

export type CaseKind = keyof typeof CASE_WEIGHTS;

/** Actions of the untyped target. */
const ACTIONS = ["echo", "echo", "echo", "join", "leave", "shout", "nothing", "connected", "error", "__proto__", "constructor", "toString", ""];
/** Actions of the typed target: the kitchen-sink protocol's client messages, and a few it does not have. */
const TYPED_ACTIONS = [
  "join",
  "move",
  "say",
  "draw",
  "upload",
  "settings",
  "ping",
  "post",
  "vote",
  "select",
  "teleport",
  "store",
  "mixed",
  "aim",
  "nested",
  "odd",
  "echo",
  "connected",
];

/** Which server a case is for: the untyped echo server, or the typed kitchen-sink one. */
export type Dialect = "untyped" | "typed";

/** Makes the next case. `maxFrameBytes` is the target server's limit. */
export function makeCase(rng: Random, maxFrameBytes: number, dialect: Dialect = "untyped"): FuzzCase {
  const kind = rng.weighted(CASE_WEIGHTS);
  const randomMessage = (rng: Random) => randomMessageOf(rng, dialect === "typed" ? TYPED_ACTIONS : ACTIONS);
  switch (kind) {
    case "valid":
      return framed(kind, encodePayload(randomMessage(rng)));
    case "recursive":
      return framed(kind, recursivePayload(rng));
    case "burst": {
      const frames: Uint8Array[] = [];
      let control = false;
      for (let n = rng.between(2, 50); n > 0; n--) {
        const payload = encodePayload(randomMessage(rng)).slice();
        if (rng.chance(0.3)) flipBits(rng, payload, 0, payload.length);
        control ||= isControl(payload);
        frames.push(withLength(payload.length, payload));
      }
      return { kind, bytes: concat(frames), intact: true, oversized: false, control };
    }
    case "flipped": {
      const payload = encodePayload(randomMessage(rng)).slice();
      flipBits(rng, payload, 0, payload.length);
      return framed(kind, payload);
    }
    case "flipped-anywhere": {
      const frame = encodeFrame(randomMessage(rng)).slice();
      flipBits(rng, frame, 0, Math.min(frame.length, 8));
      const length = new DataView(frame.buffer, frame.byteOffset).getUint32(0);
      const intact = length === frame.length - 4;
      return { kind, bytes: frame, intact, oversized: length > maxFrameBytes, control: intact && isControl(frame.subarray(4)) };
    }
    case "short-length":
    case "long-length": {
      const payload = encodePayload(randomMessage(rng));
      const delta = rng.between(1, 100);
      const claim = kind === "short-length" ? Math.max(0, payload.length - delta) : payload.length + delta;
      return { kind, bytes: withLength(claim, payload), intact: false, oversized: false, control: false };
    }
    case "huge-length": {
      const claim = rng.chance(0.3) ? maxFrameBytes + 1 : rng.between(maxFrameBytes + 1, 0xffff_ffff);
      return { kind, bytes: withLength(claim, rng.bytes(rng.int(64))), intact: false, oversized: true, control: false };
    }
    case "hostile":
      return framed(kind, hostilePayload(rng, maxFrameBytes, randomMessage, dialect === "typed" ? rng.pick(TYPED_ACTIONS) : "echo"));
    case "control": {
      const message = randomMessage(rng);
      message.action = `_${rng.pick(["hello", "ping", "pong", "resume", "ack", "", "x".repeat(rng.int(300))])}`;
      return framed(kind, encodePayload(message));
    }
    case "garbage":
      return { kind, bytes: rng.bytes(rng.between(1, 512)), intact: false, oversized: false, control: false };
    case "truncated": {
      const frame = encodeFrame(randomMessage(rng));
      return { kind, bytes: frame.subarray(0, rng.int(frame.length)), intact: false, oversized: false, control: false };
    }
  }
}

function framed(kind: CaseKind, payload: Uint8Array): FuzzCase {
  return { kind, bytes: withLength(payload.length, payload), intact: true, oversized: false, control: isControl(payload) };
}

function withLength(claim: number, payload: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(4 + payload.length);
  new DataView(bytes.buffer).setUint32(0, claim >>> 0);
  bytes.set(payload, 4);
  return bytes;
}

function isControl(payload: Uint8Array): boolean {
  // Big hostile payloads are deep nesting or huge fields of an "echo"; decoding them here would only double the cost.
  if (payload.length > 64 * 1024) return false;
  try {
    const value = decodePayload(payload) as { action?: unknown };
    return typeof value?.action === "string" && value.action.startsWith("_");
  } catch {
    return false;
  }
}

function flipBits(rng: Random, bytes: Uint8Array, from: number, to: number): void {
  if (to <= from) return;
  for (let n = rng.between(1, 4); n > 0; n--) bytes[from + rng.int(to - from)]! ^= 1 << rng.int(8);
}

// ---- well-formed values ------------------------------------------------------------

type RandomMessage = { action: string; [field: string]: unknown };

function randomMessageOf(rng: Random, actions: readonly string[]): RandomMessage {
  const message: RandomMessage = {
    action: rng.chance(0.85) ? rng.pick(actions) : randomString(rng, 12),
  };
  const fields = [
    "text",
    "group",
    "n",
    "list",
    "data",
    "name",
    "team",
    "dir",
    "run",
    "at",
    "to",
    "shape",
    "chunks",
    "values",
    "flags",
    "thread",
    "option",
    "ids",
    "grid",
    "pairs",
    "x",
    "y",
    "key",
    "value",
    "either",
    "pair",
    "outer",
    "constructor",
    "valueOf",
  ];
  for (let n = rng.int(5); n > 0; n--) message[rng.chance(0.8) ? rng.pick(fields) : randomString(rng, 8)] = randomValue(rng, 3);
  if (message.action === "join" || message.action === "leave" || message.action === "shout") message.group = `g${rng.int(4)}`;
  return message;
}

function randomValue(rng: Random, depth: number): unknown {
  switch (rng.int(depth > 0 ? 12 : 9)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.between(-40, 200);
    case 3:
      return rng.pick([0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffff_ffff, 2 ** 32, 2 ** 53 - 1, -(2 ** 31), -(2 ** 53) + 1]);
    case 4:
      return rng.pick([2n ** 64n - 1n, -(2n ** 63n), 2n ** 53n + 1n]);
    case 5:
      return rng.pick([0.5, -1.25, 1e300, Number.NaN, Number.POSITIVE_INFINITY, -0]);
    case 6:
      return randomString(rng, 40);
    case 7:
      return rng.bytes(rng.int(64));
    case 8:
      return rng.pick(["", "é", "日本語", "🎮", "x".repeat(300), "y".repeat(70_000)]);
    case 9:
    case 10:
      return Array.from({ length: rng.int(6) }, () => randomValue(rng, depth - 1));
    default: {
      const map: Record<string, unknown> = {};
      for (let n = rng.int(5); n > 0; n--) map[randomString(rng, 6)] = randomValue(rng, depth - 1);
      return map;
    }
  }
}

function randomString(rng: Random, max: number): string {
  let s = "";
  for (let n = rng.int(max + 1); n > 0; n--) s += String.fromCharCode(rng.chance(0.9) ? rng.between(0x20, 0x7e) : rng.between(0xa0, 0x2fff));
  return s;
}

// ---- hostile msgpack ------------------------------------------------------------------

/** Byte builders, each one kind of lie or abuse a decoder must survive. */
const HOSTILE = {
  /** A str/bin/array/map/ext header claiming far more than follows. */
  hugeClaim(rng: Random): number[] {
    const big = [0xff, 0xff, 0xff, rng.int(256)];
    const header = rng.pick([
      [0xd9, 0xff],
      [0xda, 0xff, 0xff],
      [0xdb, ...big],
      [0xc4, 0xff],
      [0xc5, 0xff, 0xff],
      [0xc6, ...big],
      [0xdc, 0xff, 0xff],
      [0xdd, ...big],
      [0xde, 0xff, 0xff],
      [0xdf, ...big],
      [0xc7, 0xff, rng.int(256)],
      [0xc8, 0xff, 0xff, rng.int(256)],
      [0xc9, ...big, rng.int(256)],
    ]);
    return [...header, ...rng.bytes(rng.int(16))];
  },
  /** Arrays or maps nested up to 100,000 levels deep. */
  deep(rng: Random): Uint8Array {
    const depth = rng.pick([64, 257, 1_000, 10_000, 100_000]);
    const unit = rng.pick([[0x91], [0x81, 0xa1, 0x61], [0xdc, 0x00, 0x01], [0x81, 0x01]]);
    const out = new Uint8Array(depth * unit.length + 1);
    for (let i = 0; i < depth; i++) out.set(unit, i * unit.length);
    out[out.length - 1] = rng.chance(0.5) ? 0xc0 : 0x91; // finished, or left open
    return out;
  },
  /** 0xc1, the byte msgpack never uses. */
  neverUsed(): number[] {
    return [0xc1];
  },
  /** Extension types: msgpackr's own (0x42 bigint, 0x74 typed array, 0xff timestamp…) and random ones. */
  ext(rng: Random): number[] {
    const type = rng.pick([0x00, 0x01, 0x42, 0x65, 0x69, 0x70, 0x72, 0x73, 0x74, 0x78, 0x7f, 0x80, 0xfe, 0xff, rng.int(256)]);
    const size = rng.pick([1, 2, 4, 8, 16, rng.int(300)]);
    const body = [...rng.bytes(size)];
    const fixed = { 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 }[size as 1 | 2 | 4 | 8 | 16];
    if (fixed !== undefined && rng.chance(0.7)) return [fixed, type, ...body];
    return size < 256 ? [0xc7, size, type, ...body] : [0xc8, size >> 8, size & 0xff, type, ...body];
  },
  /** A string whose bytes are not UTF-8 (lone continuation bytes, surrogates, overlongs). */
  badUtf8(rng: Random): number[] {
    const pool = [[0xff], [0xfe], [0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xf0, 0x9f, 0x8e]];
    const bytes: number[] = [];
    for (let n = rng.between(1, 20); n > 0; n--) bytes.push(...(rng.chance(0.5) ? rng.pick(pool) : [rng.between(0x20, 0x7e)]));
    return bytes.length < 32 ? [0xa0 | bytes.length, ...bytes] : [0xd9, bytes.length, ...bytes];
  },
  /** Numbers at the edges: int64/uint64 extremes, NaN, infinities, float32. */
  edgeNumber(rng: Random): number[] {
    return rng.pick([
      [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
      [0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0],
      [0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 1],
      [0xcb, 0xff, 0xf0, 0, 0, 0, 0, 0, 0],
      [0xca, 0x7f, 0x80, 0, 0],
      [0xd0, 0x80],
      [0xcc],
    ]);
  },
  /** Keys that are not strings, or that name prototype properties. */
  oddKey(rng: Random): number[] {
    const key = rng.pick([
      [0x01],
      [0xc0],
      [0x90],
      [0x80],
      [0xc4, 0x01, 0x61],
      [0xa9, ...ascii("__proto__")],
      [0xab, ...ascii("constructor")],
      [0xc3],
      [0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0],
    ]);
    return [0x81, ...key, ...(rng.chance(0.5) ? [0x81, 0xa1, 0x78, 0x01] : [0x01])];
  },
  /** Random bytes. */
  noise(rng: Random): number[] {
    return [...rng.bytes(rng.between(0, 64))];
  },
};

function ascii(s: string): number[] {
  return [...Buffer.from(s, "latin1")];
}

/** A message nested `depth` levels deep through a recursive type: `post` (Thread) or `store` (Json). */
function recursivePayload(rng: Random): Uint8Array {
  const depth = rng.pick([10, 100, 1_000, 3_000, 10_000, 30_000]);
  if (rng.chance(0.5)) {
    // {action: "post", thread: {text: "a", replies: [{text: "a", replies: [ … [] ]}]}}
    const level = [0x82, 0xa4, ...ascii("text"), 0xa1, 0x61, 0xa7, ...ascii("replies"), 0x91];
    const innermost = [0x82, 0xa4, ...ascii("text"), 0xa1, 0x61, 0xa7, ...ascii("replies"), 0x90];
    const head = [0x82, 0xa6, ...ascii("action"), 0xa4, ...ascii("post"), 0xa6, ...ascii("thread")];
    return concat([head, ...Array.from({ length: depth }, () => level), innermost]);
  }
  // {action: "store", key: "k", value: [[[ … ]]]} or {"a": {"a": …}}
  const head = [0x83, 0xa6, ...ascii("action"), 0xa5, ...ascii("store"), 0xa3, ...ascii("key"), 0xa1, 0x6b, 0xa5, ...ascii("value")];
  const unit = rng.chance(0.5) ? [0x91] : [0x81, 0xa1, 0x61];
  const body = new Uint8Array(depth * unit.length);
  for (let i = 0; i < depth; i++) body.set(unit, i * unit.length);
  return concat([head, body, [0xc0]]);
}

/** A framed-payload's worth of hostile msgpack, mostly dressed up as a message so it gets past the first checks. */
function hostilePayload(rng: Random, maxFrameBytes: number, randomMessage: (rng: Random) => RandomMessage, action: string): Uint8Array {
  const named = [0xa0 | action.length, ...ascii(action)];
  const builder: (rng: Random) => ArrayLike<number> = rng.pick(Object.values(HOSTILE));
  const hostile = builder(rng);
  let parts: Array<ArrayLike<number>>;
  switch (rng.int(6)) {
    case 0: // bare
      parts = [hostile];
      break;
    case 1: // as the action itself
      parts = [[0x81, 0xa6, ...ascii("action")], hostile];
      break;
    case 2: // as a field of an echo, the message most likely to be sent back
      parts = [[0x82, 0xa6, ...ascii("action"), ...named, 0xa1, 0x78], hostile];
      break;
    case 3: // a valid message, then trailing bytes
      parts = [encodePayload(randomMessage(rng)), hostile];
      break;
    case 4: // a map announcing more pairs than it has, the hostile part among them
      parts = [[0x83, 0xa6, ...ascii("action"), ...named], hostile];
      break;
    default: // inside an array inside a message
      parts = [[0x82, 0xa6, ...ascii("action"), ...named, 0xa4, ...ascii("list"), 0x92], hostile, [0xc0]];
  }
  if (rng.chance(0.1)) parts.push(rng.bytes(rng.between(1, 8))); // trailing bytes
  let bytes = concat(parts);
  if (bytes.length > maxFrameBytes) bytes = bytes.subarray(0, maxFrameBytes);
  if (rng.chance(0.1) && bytes.length > 1) bytes = bytes.subarray(0, rng.int(bytes.length)); // cut anywhere
  return bytes;
}

function concat(parts: ReadonlyArray<ArrayLike<number>>): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
