/**
 * What generated code and the runtime agree on: the shape of a message, the
 * validators `repod generate` writes, and the descriptor that ties a
 * protocol's name, fingerprint and schema to them.
 *
 * @example
 * ```ts
 * // generated/chat.ts (abridged)
 * export const chatProtocol: ProtocolDescriptor = {
 *   name: "chat",
 *   fingerprint: "3f2a…",
 *   client: { nickname: validateClientNickname, message: validateClientMessage },
 *   server: { message: validateServerMessage, system: …, players: … },
 * };
 * ```
 */

import type { ProtocolSchema } from "./compat/schema.ts";

/** Every message is a map with a string `"action"`; the other keys are its fields. */
export interface Message {
  action: string;
}

/** A message whose fields nobody declared: what untyped (repod-style) code sends and receives. */
export interface AnyMessage extends Message {
  [field: string]: unknown;
}

/**
 * Checks one decoded message of a known action. Returns `undefined` when the
 * message is valid, or one line saying where and what is wrong:
 * `players[2].x: expected number, got string`.
 */
export type Validator = (data: Record<string, unknown>) => string | undefined;

/** What a generated file says about its protocol; the runtime reads it, never writes it. */
export interface ProtocolDescriptor {
  /** The protocol's name: the protocol file's name without `.protocol.ts`. */
  readonly name: string;
  /**
   * A hash of the protocol's model. Peers with the same fingerprint speak the
   * same version; peers with different ones compare their schemas at the
   * handshake and talk if the versions are compatible.
   */
  readonly fingerprint: string;
  /**
   * What each message looks like on the wire, for peers of another version
   * of the protocol. Without it, only a peer of the same fingerprint is accepted.
   */
  readonly schema?: ProtocolSchema;
  /** Validators of the messages (and requests) clients send, by action (checked by the server). */
  readonly client: Readonly<Record<string, Validator>>;
  /** Validators of the messages (and requests) the server sends, by action (checked by clients). */
  readonly server: Readonly<Record<string, Validator>>;
  /** Checks the credential a client presents to join (the protocol file's `Auth` type); absent when it declares none. */
  readonly auth?: Validator;
  /**
   * Checks the game's state of one player (the protocol file's `Session`
   * type) when a session moves in from another server; absent when it declares none.
   */
  readonly session?: Validator;
  /** Rate limits declared on client messages with `@rateLimit`, by action. */
  readonly rateLimits?: Readonly<Record<string, RateLimit>>;
  /**
   * Validators of the replies to requests, by the direction of the request
   * and its action: `replies.client.join` checks the server's answer to a
   * client's `join`. Absent for a protocol without requests.
   */
  readonly replies?: {
    readonly client: Readonly<Record<string, Validator>>;
    readonly server: Readonly<Record<string, Validator>>;
  };
}

/**
 * A token bucket: `perSecond` messages (or bytes) refill it each second, and
 * it holds at most `burst`. A message that finds it empty is refused.
 */
export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

/**
 * An integer field in a protocol file: `score: Int`. It is a `number` in
 * TypeScript; the generated validator refuses a non-integer.
 */
export type Int = number;

/**
 * Names a received value for an error message: `string`, `number`, `boolean`,
 * `null`, `array`, `object`, `bytes`, `bigint`, `nothing` (a missing field), or the class
 * of what a msgpack extension type decoded to (`Date`, `Set`…).
 */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "array";
  if (value instanceof Uint8Array) return "bytes";
  const type = typeof value;
  if (type !== "object") return type;
  // What a msgpack extension type decodes to (a Date, a Set…): name it, it is not a map.
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  return proto === Object.prototype || proto === null ? "object" : (proto.constructor?.name ?? "object");
}
