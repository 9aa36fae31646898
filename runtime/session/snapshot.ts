/**
 * A session as it travels between servers (cluster sessions, see
 * `cluster.ts`): everything another server needs to go on with it, and
 * nothing it must guess. msgpack, versioned by `v`.
 *
 * ```
 * { v: 1, id, generation, previous?,      the channel id; its token's generation (tokens are cluster-wide)
 *   received, sent, acked,                 the frame counts of the session (see session.ts)
 *   frames: [bin, …],                      the sent frames not yet acknowledged: frames acked+1 … sent
 *   groups: [string, …], presence?,        what other players see of it
 *   user?,                                 who the client is (`channel.user`, from authenticate)
 *   state?,                                the game's own state (`channel.session`, the protocol's `Session`)
 *   fingerprint?, unread?: [string, …] }   the client's version of the protocol (also when it is the server's:
 *                                          the server that takes it may run another), and what of the
 *                                          server's messages that version cannot read
 * ```
 *
 * Decoding never throws: bytes that are not a snapshot give a sentence
 * saying why. The game's `state` is checked by the protocol's `Session`
 * validator where it is restored, not here.
 */
import { decodePayload, encodePayload } from "../wire/codec.ts";

export const SNAPSHOT_VERSION = 1;

/** One session, ready to go on elsewhere. */
export interface SessionSnapshot {
  readonly id: string;
  readonly generation: number;
  /** The generation presented at the last resume, while the client may not have the new token yet. */
  readonly previous?: number | undefined;
  readonly received: number;
  readonly sent: number;
  readonly acked: number;
  /** The frames sent and not acknowledged, in order: `sent - acked` of them. */
  readonly frames: readonly Uint8Array[];
  readonly groups: readonly string[];
  readonly presence?: unknown;
  readonly user?: unknown;
  readonly state?: unknown;
  readonly fingerprint?: string | undefined;
  readonly unread?: readonly string[] | undefined;
}

/** Encodes a snapshot. Throws (ENCODE_FAILED) when `user` or `state` cannot be carried by msgpack. */
export function encodeSnapshot(snapshot: SessionSnapshot): Uint8Array {
  const out: Record<string, unknown> = {
    v: SNAPSHOT_VERSION,
    id: snapshot.id,
    generation: snapshot.generation,
    received: snapshot.received,
    sent: snapshot.sent,
    acked: snapshot.acked,
    frames: snapshot.frames,
    groups: snapshot.groups,
  };
  if (snapshot.previous !== undefined) out.previous = snapshot.previous;
  if (snapshot.presence !== undefined) out.presence = snapshot.presence;
  if (snapshot.user !== undefined) out.user = snapshot.user;
  if (snapshot.state !== undefined) out.state = snapshot.state;
  if (snapshot.fingerprint !== undefined) out.fingerprint = snapshot.fingerprint;
  if (snapshot.unread !== undefined) out.unread = snapshot.unread;
  return encodePayload(out);
}

const isCount = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

/** Reads a snapshot; a sentence saying why instead when the bytes are not one (never throws). */
export function decodeSnapshot(bytes: Uint8Array): SessionSnapshot | string {
  let value: unknown;
  try {
    value = decodePayload(bytes);
  } catch (error) {
    return (error as Error).message;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return "not a map";
  const s = value as Record<string, unknown>;
  if (s.v !== SNAPSHOT_VERSION) return `version ${String(s.v)}, this server reads version ${SNAPSHOT_VERSION}`;
  if (typeof s.id !== "string" || s.id === "") return "no id";
  if (!isCount(s.generation) || !isCount(s.received) || !isCount(s.sent) || !isCount(s.acked)) return "a count is not a non-negative integer";
  if (s.previous !== undefined && !isCount(s.previous)) return "previous is not a non-negative integer";
  if (s.acked > s.sent) return `acked (${s.acked}) is more than sent (${s.sent})`;
  if (!Array.isArray(s.frames) || !s.frames.every((frame) => frame instanceof Uint8Array)) return "frames are not a list of bytes";
  if (s.frames.length !== s.sent - s.acked) return `${s.frames.length} frames kept for ${s.sent - s.acked} unacknowledged`;
  if (!Array.isArray(s.groups) || !s.groups.every((group) => typeof group === "string")) return "groups are not a list of strings";
  if (s.fingerprint !== undefined && typeof s.fingerprint !== "string") return "the fingerprint is not a string";
  if (s.unread !== undefined && (!Array.isArray(s.unread) || !s.unread.every((action) => typeof action === "string"))) return "unread is not a list of strings";
  return {
    id: s.id,
    generation: s.generation,
    previous: s.previous as number | undefined,
    received: s.received,
    sent: s.sent,
    acked: s.acked,
    frames: s.frames as Uint8Array[],
    groups: s.groups as string[],
    presence: s.presence,
    user: s.user,
    state: s.state,
    fingerprint: s.fingerprint as string | undefined,
    unread: s.unread as string[] | undefined,
  };
}
