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
export const RESERVED_ACTIONS: readonly string[] = ["connected", "disconnected", "error", "socketConnect", "reconnecting", "reconnected"];

/** Control frames (heartbeat, resume) use actions starting with this; never dispatched to handlers. */
export const CONTROL_PREFIX = "_";

/**
 * Requests (see requests.ts): the key a request carries its id in, and the
 * action of the frame that answers it. Both are application frames, counted
 * and retained by the session like any message.
 */
export const REQUEST_ID_KEY = "_rid";
export const REPLY_ACTION = "_reply";

/** How long `request()` waits for an answer before rejecting with REQUEST_TIMEOUT. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** Redis adapter (`repod/redis`): where Redis is, the key prefix of one game population, presence refresh, start-up wait. */
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";
export const DEFAULT_REDIS_PREFIX = "repod";
/** A crashed process's members drop out of presence within 3 × this (the default `presenceTtlMs`). */
export const DEFAULT_REDIS_HEARTBEAT_MS = 1000;
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 2000;

// ---- liveness and session resume (see session/) -------------------------------

/** How often our peers send a heartbeat (which also acknowledges what arrived). */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 2500;

/**
 * A peer silent this long is closed with TIMEOUT. Silence is checked at each
 * heartbeat, so a dead peer is found after between `timeoutMs` and
 * `timeoutMs + heartbeatIntervalMs`: within 10 s by default.
 */
export const DEFAULT_TIMEOUT_MS = 7500;

/** How long a server keeps a broken connection's session for its client to resume. */
export const DEFAULT_RESUME_WINDOW_MS = 30_000;

/**
 * Bytes of sent frames a side keeps until the peer acknowledges them. Past
 * it the session can no longer resume (a fresh one follows a break); a
 * client refuses sends past it while reconnecting (QUEUE_FULL).
 */
export const DEFAULT_MAX_RETAINED_BYTES = 1024 * 1024;

/** Under load, a receiver acknowledges after this many frames or bytes, so the sender's retained frames stay few. */
export const ACK_EVERY_FRAMES = 64;
export const ACK_EVERY_BYTES = 64 * 1024;

/**
 * While sessions wait for resume, a new connection's channel is made once
 * its first frame says what it is (a resume, or not), or after this long.
 */
export const ADMIT_DEADLINE_MS = 500;

/**
 * How long a server keeps the session of a connection that broke before its
 * client said anything: it may be ours, its `_hello` lost with the
 * connection (our client's first reconnection attempt comes after about
 * `reconnectMinDelayMs`), or a Python client that never spoke, whose
 * `onDisconnect` comes this much later.
 */
export const UNHEARD_RESUME_WINDOW_MS = 1000;

/** Random bytes in a session token (128 bits). */
export const TOKEN_BYTES = 16;

/**
 * Cluster sessions: a session recovered from a checkpoint after its server
 * died accepts the tokens of this many generations past the checkpoint's —
 * its client may have resumed on that server (each resume makes a new
 * token) after the checkpoint was written.
 */
export const RECOVERED_TOKEN_GENERATIONS = 16;

/** Reconnection of our clients after a broken connection: attempts, then the bounds of the exponential backoff. */
export const DEFAULT_RECONNECT_ATTEMPTS = 15;
export const DEFAULT_RECONNECT_MIN_DELAY_MS = 100;
export const DEFAULT_RECONNECT_MAX_DELAY_MS = 5000;

/** How long a client has, from its connection, to be authenticated when the server requires it. */
export const DEFAULT_AUTH_TIMEOUT_MS = 10_000;
