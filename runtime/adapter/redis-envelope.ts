/**
 * The envelope of a send between processes: a small header (who sent it,
 * who it is for, who is left out) before the frame exactly as clients get
 * it. The frame is encoded once by the sending server and never decoded on
 * the way: each process only reads the header and writes the frame bytes.
 *
 * ```
 * +------+----------+-----------------+-----------------+-----------------+-----------+
 * | 0x01 | audience | origin          | target          | except          | frame     |
 * | ver. | 0 all    | u16 len + utf-8 | u16 len + utf-8 | u16 len + utf-8 | 4 + N     |
 * |      | 1 group  | (server id)     | (group or id;   | (channel id;    | (length + |
 * |      | 2 channel|                 |  empty for all) |  empty: none)   |  msgpack) |
 * +------+----------+-----------------+-----------------+-----------------+-----------+
 * ```
 */
import { HEADER_BYTES } from "../constants.ts";
import type { Audience, Delivery } from "./adapter.ts";

const VERSION = 1;
const KINDS = ["all", "group", "channel"] as const;

/** A send as another process published it. */
export interface Envelope {
  /** Server id of the process that published it. */
  readonly origin: string;
  readonly delivery: Delivery;
  /** The frame, ready to write to clients (its own copy, never reused). */
  readonly frame: Uint8Array;
}

/** Wraps one encoded frame for publishing. */
export function sealEnvelope(origin: string, frame: Uint8Array, delivery: Delivery): Buffer {
  const { audience, except } = delivery;
  const target = audience.to === "group" ? audience.group : audience.to === "channel" ? audience.id : "";
  const fields = [origin, target, except ?? ""].map((text) => Buffer.from(text, "utf8"));
  let size = 2 + frame.length;
  for (const field of fields) size += 2 + field.length;
  const out = Buffer.allocUnsafe(size);
  out[0] = VERSION;
  out[1] = KINDS.indexOf(audience.to);
  let at = 2;
  for (const field of fields) {
    if (field.length > 0xffff) throw new RangeError(`a group or id of ${field.length} bytes does not fit an envelope`);
    out.writeUInt16BE(field.length, at);
    field.copy(out, at + 2);
    at += 2 + field.length;
  }
  out.set(frame, at);
  return out;
}

/** Reads an envelope; returns a reason instead when the bytes are not one (never throws). */
export function openEnvelope(bytes: Uint8Array): Envelope | string {
  if (bytes.length < 2 || bytes[0] !== VERSION) return `not a version ${VERSION} envelope`;
  const kind = KINDS[bytes[1]!];
  if (kind === undefined) return `unknown audience ${bytes[1]}`;
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const fields: string[] = [];
  let at = 2;
  for (let i = 0; i < 3; i++) {
    if (at + 2 > view.length) return "truncated header";
    const length = view.readUInt16BE(at);
    if (at + 2 + length > view.length) return "truncated header";
    fields.push(view.toString("utf8", at + 2, at + 2 + length));
    at += 2 + length;
  }
  const frameBytes = view.length - at;
  if (frameBytes < HEADER_BYTES || view.readUInt32BE(at) !== frameBytes - HEADER_BYTES) return "the frame's length prefix does not match its size";
  const [origin, target, except] = fields as [string, string, string];
  const audience: Audience = kind === "all" ? { to: "all" } : kind === "group" ? { to: "group", group: target } : { to: "channel", id: target };
  // A copy: the frame may wait in several sockets' queues, longer than the Redis client keeps its read buffer as is.
  return { origin, delivery: { audience, except: except === "" ? undefined : except }, frame: new Uint8Array(view.subarray(at)) };
}
