/**
 * Every number the runtime uses, in one place. Options default to these;
 * the README's "Options" table lists the same values.
 */

/** Bytes of the big-endian length that precedes each msgpack payload on a stream. */
export const HEADER_BYTES = 4;

/** Where a server listens and a client connects when nothing is said (repod's defaults). */
export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_PORT = 5071;
/** Where a server listens for WebSocket beside TCP, when its `websocket` option names no port. */
export const DEFAULT_WEBSOCKET_PORT = 5072;

/** Largest payload a peer may announce before the connection is closed with FRAME_TOO_LARGE: 1 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

/** Bytes a channel may have waiting for a slow reader before it is closed with SLOW_CONSUMER: 8 MiB. */
export const DEFAULT_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/** How long `stop()` lets channels flush what they have queued before cutting them off. */
export const DEFAULT_STOP_GRACE_MS = 2000;

/** Nesting deeper than this is refused when encoding (it is almost always a cycle). */
export const MAX_ENCODE_DEPTH = 256;

/** Actions the runtime raises or sends itself; a protocol file may not declare them. */
export const RESERVED_ACTIONS: readonly string[] = [
  "connected",
  "disconnected",
  "error",
  "socketConnect",
  "reconnecting",
  "reconnected",
];

/** Control frames (heartbeat, resume) use actions starting with this; never dispatched to handlers. */
export const CONTROL_PREFIX = "_";

/** Redis adapter (`repod/redis`): where Redis is, the key prefix of one game population, presence refresh, start-up wait. */
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";
export const DEFAULT_REDIS_PREFIX = "repod";
/** A crashed process's members drop out of presence within 3 × this (the default `presenceTtlMs`). */
export const DEFAULT_REDIS_HEARTBEAT_MS = 1000;
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 2000;
