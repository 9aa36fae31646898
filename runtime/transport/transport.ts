/**
 * The transport seam. A transport moves whole payloads between two peers and
 * reports what happens to the connection; it knows nothing of actions,
 * channels or sessions. TCP frames payloads with a length prefix; WebSocket
 * carries one payload per binary message; both take the same encoded frame
 * so that one encoding serves every kind of connection.
 */
import type { RepodError } from "../errors.ts";

/** What a transport reports to whoever owns it. */
export interface TransportEvents {
  /** One whole msgpack payload arrived: the bytes `source[start, end)`. */
  payload(source: Uint8Array, start: number, end: number): void;
  /** The connection broke in a way that ends it (socket error, FRAME_TOO_LARGE). `close` follows. */
  error(error: RepodError): void;
  /** The connection is closed; nothing more will arrive. `transport` is the one that closed (a link may have had others since). */
  closed(transport: Transport): void;
  /**
   * Input that is wrong but leaves the connection usable (a text message on
   * a WebSocket): reported as the decoder's errors are, and the connection goes on.
   */
  problem?(error: RepodError): void;
  /** The peer answered a native {@link Transport.ping} (a WebSocket pong): it is alive. */
  pong?(): void;
}

export interface Transport {
  /** `"tcp"` or `"websocket"`. */
  readonly kind: string;
  /** The peer's address and port, as repod's `addr` tuple gives them. */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** True until the connection is closed or closing. */
  readonly isOpen: boolean;
  /** Bytes written but not yet handed to the operating system. */
  readonly bufferedBytes: number;
  /** Sets the receiver of this transport's events (replaces the previous one). */
  bind(events: TransportEvents): void;
  /**
   * Writes one frame made by `encodeFrame` (4-byte length, then payload).
   * Frames written in the same tick leave in one write.
   */
  write(frame: Uint8Array): void;
  /** Sends what is written, then closes. */
  end(): void;
  /** Closes now, dropping what is not sent. */
  destroy(): void;
  /** Stops (false) or resumes (true) reading from the peer. */
  setReading?(reading: boolean): void;
  /**
   * Sends the transport's own keep-alive ping (WebSocket ping, answered by
   * the peer's WebSocket layer, Python's and browsers' included; the answer
   * arrives as `events.pong`). Present only where this side can send one:
   * `ws` in Node, server and client. Absent on TCP and in the browser, whose
   * WebSocket API cannot ping; a heartbeat there uses control frames.
   */
  ping?(): void;
}

/** `host:port` of a transport's peer, for messages and logs. */
export function remoteOf(transport: Pick<Transport, "remoteAddress" | "remotePort">): string {
  const host = transport.remoteAddress.includes(":") ? `[${transport.remoteAddress}]` : transport.remoteAddress;
  return `${host}:${transport.remotePort}`;
}
