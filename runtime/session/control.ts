/**
 * The control frames of a session, as they travel. They are ordinary frames
 * whose action starts with `_`: never counted, never dispatched, and only
 * ever sent to a peer that announced it speaks them.
 *
 * ```
 * server ─▶ {action:"connected", id, protocol, fingerprint, features:["heartbeat","resume","compat"], token, heartbeatMs, timeoutMs, …}
 * client ─▶ {action:"_protocol", fingerprint, schema}           (only when its fingerprint differs from the greeting's)
 * server ─▶ {action:"_protocol", reads, unread}                 what of the client's messages it reads / of its own the client does not
 *        or {action:"_mismatch", reason}                       the versions break a message both know; the server closes
 * client ─▶ {action:"_hello", features}                       (fresh session, right after the greeting, or after `_protocol`;
 *                                                               also to a server offering only `compat`: it admits the connection on it)
 * client ─▶ {action:"_resume", id, token, received, fingerprint} (first frame of a reconnection)
 * server ─▶ {action:"_resumed", received, token}                 then the frames the client missed
 *        or {action:"_resume_failed", reason}                   the greeting before it starts a fresh session
 * both   ─▶ {action:"_hb", received}    heartbeat; also the acknowledgement of `received` frames
 * server ─▶ {action:"_hb", received, ping}   (while its inspector watches, over TCP) the client answers at once:
 * client ─▶ {action:"_hb", received, pong}   `pong` is `ping` echoed; the server reads the round trip from it
 * both   ─▶ {action:"_bye"}             a deliberate close: do not resume
 * server ─▶ {action:"_moved", to?}      cluster sessions: the server stops and handed the session to the
 *                                       cluster; reconnect at once and resume there: to `to` when given
 *                                       (TCP "host:port", or a ws:// or wss:// URL for a WebSocket client:
 *                                       the server's `advertise`), else to the same address
 *                                       (also the answer to a `_resume` a server cannot take: try another)
 * ```
 *
 * With authentication (see `auth/`), the greeting says `auth: true`; a
 * client that has a credential puts it in its `_hello` (`{action:"_hello",
 * features, auth}`, sent even when the server offers no session) and waits:
 *
 * ```
 * server ─▶ {action:"_welcome"}                    accepted: the client raises `connected` now
 *        or {action:"_error", code, message}       refused (AUTH_FAILED), then `_bye` and close
 * server ─▶ {action:"_error", code, message}       also: a message over the rate limit (RATE_LIMITED)
 * ```
 */

export const HELLO = "_hello";
export const RESUME = "_resume";
export const RESUMED = "_resumed";
export const RESUME_FAILED = "_resume_failed";
export const HEARTBEAT = "_hb";
export const BYE = "_bye";
export const MOVED = "_moved";
export const WELCOME = "_welcome";
export const ERROR = "_error";
export const PROTOCOL = "_protocol";
export const MISMATCH = "_mismatch";

/** What a server may offer in its greeting's `features`. */
export const FEATURE_HEARTBEAT = "heartbeat";
export const FEATURE_RESUME = "resume";
/** The server judges a client of another version of its protocol by its schema (`_protocol`). */
export const FEATURE_COMPAT = "compat";

/** The session fields our server adds to its greeting (a Python client ignores them). */
export interface GreetingSession {
  features?: string[];
  /** The session token: presented, with the channel id, to resume. */
  token?: string;
  heartbeatMs?: number;
  timeoutMs?: number;
  resumeWindowMs?: number;
}

/**
 * True for the end of a connection that a new one may mend: the network
 * failed (CONNECT_FAILED), went silent (TIMEOUT), or the connection just
 * closed. Not for a peer that broke the protocol (FRAME_TOO_LARGE,
 * DECODE_FAILED, SLOW_CONSUMER, PROTOCOL_MISMATCH…): resuming would replay it.
 */
export function isBreak(error: { code: string } | undefined): boolean {
  return error === undefined || error.code === "CONNECT_FAILED" || error.code === "TIMEOUT";
}

/** A non-negative integer count from a control frame, or undefined. */
export function countOf(value: unknown): number | undefined {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}
