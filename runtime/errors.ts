/**
 * The one error class of the runtime. Every error carries a `code` from
 * {@link ErrorCode}; messages say what was expected and what came.
 *
 * @example
 * ```ts
 * class Game extends Channel {
 *   override onError(error: RepodError) {
 *     if (error.code === "INVALID_PAYLOAD") console.warn(error.message);
 *   }
 * }
 * ```
 */

/** Every error code, each with what it means. */
export const ErrorCode = {
  /** A peer announced a frame longer than `maxFrameBytes`; the connection is closed. */
  FRAME_TOO_LARGE: "FRAME_TOO_LARGE",
  /** A frame's payload is not valid msgpack; the frame is dropped, the connection goes on. */
  DECODE_FAILED: "DECODE_FAILED",
  /** A payload decoded but is not a map with a string "action"; dropped, the connection goes on. */
  NOT_A_MESSAGE: "NOT_A_MESSAGE",
  /** A message of a declared action does not match the protocol; dropped, the connection goes on. */
  INVALID_PAYLOAD: "INVALID_PAYLOAD",
  /** A `Network_*` handler threw (or its promise rejected); the connection goes on. */
  HANDLER_FAILED: "HANDLER_FAILED",
  /** A peer read too slowly and more than `maxBufferedBytes` waited for it; the connection is closed. */
  SLOW_CONSUMER: "SLOW_CONSUMER",
  /** `send()` got a value msgpack cannot carry, or a frame over `maxFrameBytes`; thrown at the call site. */
  ENCODE_FAILED: "ENCODE_FAILED",
  /** A client could not connect, or its connection broke. */
  CONNECT_FAILED: "CONNECT_FAILED",
  /** The peer speaks another protocol, or a version of it that breaks a message both know; the connection is refused. */
  PROTOCOL_MISMATCH: "PROTOCOL_MISMATCH",
  /** `send()` of a message the peer's version of the protocol does not know; thrown at the call site. */
  NOT_SUPPORTED: "NOT_SUPPORTED",
  /** A peer was silent longer than `timeoutMs`; the connection is closed. */
  TIMEOUT: "TIMEOUT",
  /** A session could not be resumed (window passed, token wrong, frames no longer retained); a fresh one began. */
  RESUME_FAILED: "RESUME_FAILED",
  /** The scale-out adapter (e.g. Redis) failed; local delivery goes on. */
  ADAPTER_FAILED: "ADAPTER_FAILED",
  /** More was sent while disconnected than the resume queue holds; the send was refused. */
  QUEUE_FULL: "QUEUE_FULL",
  /** `send()` on a client whose connection ended for good without its own `close()` (the server closed it, reconnecting gave up); thrown at the call site. */
  CLOSED: "CLOSED",
  /**
   * The server refused a client's credential (the reason its `authenticate` gave, an invalid
   * credential, or none within `authTimeoutMs`); the connection is closed. The credential itself
   * never appears in the message.
   */
  AUTH_FAILED: "AUTH_FAILED",
  /** A client sent more than its message or byte budget allows; the message was not dispatched. A client that keeps at it is closed. */
  RATE_LIMITED: "RATE_LIMITED",
  /** The other side refused a request (its handler threw; `reason` says why when it threw a RequestError). */
  REQUEST_FAILED: "REQUEST_FAILED",
  /** No answer to a request within its `timeoutMs`. */
  REQUEST_TIMEOUT: "REQUEST_TIMEOUT",
  /** A request's AbortSignal aborted before the answer came. */
  ABORTED: "ABORTED",
} as const;

/** A code of {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Extra facts about an error, for logs and tests. */
export interface ErrorDetails {
  /** `host:port` of the peer, where there is one. */
  remote?: string;
  /** The action of the message concerned, where there is one. */
  action?: string;
  /** The underlying error (a socket error, a handler's exception). */
  cause?: unknown;
  /** Why the other side refused a request (REQUEST_FAILED): the message of the `RequestError` its handler threw. */
  reason?: string;
}

/** An error of the runtime: a {@link ErrorCode} and a message that says what was expected and what came. */
export class RepodError extends Error {
  override readonly name = "RepodError";
  readonly code: ErrorCode;
  readonly remote: string | undefined;
  readonly action: string | undefined;
  /** Why the other side refused a request (REQUEST_FAILED), as its game said it. */
  readonly reason: string | undefined;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(details.remote ? `${message} (from ${details.remote})` : message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.remote = details.remote;
    this.action = details.action;
    this.reason = details.reason;
  }
}

/** True for a {@link RepodError}, optionally of one code. */
export function isRepodError(value: unknown, code?: ErrorCode): value is RepodError {
  return value instanceof RepodError && (code === undefined || value.code === code);
}
