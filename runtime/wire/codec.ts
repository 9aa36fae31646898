/**
 * The codec: one msgpack configuration for the whole runtime, compatible
 * with Python's `msgpack` both ways.
 *
 * - Decoding is {@link decodeMsgpack} (msgpack-decoder.ts): 64-bit
 *   integers as `number` when safe and `bigint` beyond 2^53, maps as plain
 *   objects, no extension types.
 * - Encoding is {@link MsgpackEncoder}, which writes integers the way Python
 *   does (see its file for why).
 */
import { HEADER_BYTES } from "../constants.ts";
import { RepodError } from "../errors.ts";
import type { AnyMessage, Message } from "../protocol.ts";
import { decodeMsgpack } from "./msgpack-decoder.ts";
import { MsgpackEncoder } from "./msgpack-encoder.ts";

const encoder = new MsgpackEncoder();

/**
 * Decodes one msgpack payload: `source[start, end)`, all of `source` by
 * default. Throws `DECODE_FAILED` on bytes that are not exactly one msgpack
 * value.
 */
export function decodePayload(source: Uint8Array, start = 0, end = source.length): unknown {
  const bytes = end - start;
  if (bytes <= 0) throw new RepodError("DECODE_FAILED", "payload of 0 bytes is not valid msgpack: it is empty");
  try {
    return decodeMsgpack(source, start, end);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new RepodError("DECODE_FAILED", `payload of ${bytes} bytes is not valid msgpack: ${why}`, { cause: error });
  }
}

/**
 * Checks that a decoded value is a message: a map with a string `"action"`.
 * Throws `NOT_A_MESSAGE` saying what came instead.
 */
export function asMessage(value: unknown): Message & Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value) || value instanceof Uint8Array) {
    throw new RepodError("NOT_A_MESSAGE", `expected a map with a string "action", got ${kindOf(value)}`);
  }
  const action = (value as { action?: unknown }).action;
  if (typeof action !== "string") {
    throw new RepodError(
      "NOT_A_MESSAGE",
      action === undefined ? `expected a map with a string "action", got a map without "action"` : `expected "action" to be a string, got ${kindOf(action)}`,
    );
  }
  return value as Message & Record<string, unknown>;
}

function kindOf(value: unknown): string {
  if (value === null) return "nil";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Uint8Array) return "bytes";
  return `a ${typeof value}`;
}

/**
 * Encodes a message as one frame (length prefix + payload), ready to write
 * to any number of connections. Throws `ENCODE_FAILED` for a value msgpack
 * cannot carry, or a frame larger than `maxFrameBytes`.
 */
export function encodeFrame(message: Message | AnyMessage, maxFrameBytes = Infinity): Uint8Array {
  if (message === null || typeof message !== "object" || typeof (message as { action?: unknown }).action !== "string") {
    throw new RepodError("ENCODE_FAILED", `a message must be an object with a string "action", got ${kindOf(message)}`);
  }
  const frame = encoder.encodeFrame(message);
  if (frame.length - HEADER_BYTES > maxFrameBytes) {
    throw new RepodError(
      "ENCODE_FAILED",
      `message "${message.action}" is ${frame.length - HEADER_BYTES} bytes, over maxFrameBytes (${maxFrameBytes}); the peer would refuse it`,
    );
  }
  return frame;
}

/** Encodes any value as a bare msgpack payload (no length prefix), for tests and tools. */
export function encodePayload(value: unknown): Uint8Array {
  return encoder.encodePayload(value);
}

/** The payload of a frame made by {@link encodeFrame}: what a WebSocket message carries. */
export function payloadOf(frame: Uint8Array): Uint8Array {
  return frame.subarray(HEADER_BYTES);
}
