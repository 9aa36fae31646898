/**
 * The WebSocket transport: one binary WebSocket message carries exactly one
 * msgpack payload, with no length prefix (WebSocket frames its messages
 * itself). The rest — limits, error codes, the Link above — is the same as
 * over TCP.
 *
 * This file imports nothing from Node: it drives any object with the
 * standard WebSocket API, the browser's own or `ws`'s (see
 * `websocket-node.ts` for what Node adds: native ping/pong, per-tick write
 * coalescing, hard close).
 *
 * ```
 *  binary message ──▶ size check ──▶ events.payload      (the Link decodes it)
 *  text message   ──▶ events.problem(NOT_A_MESSAGE)      (the connection goes on)
 *  write(frame)   ──▶ socket.send(payloadOf(frame))
 * ```
 */
import { RepodError } from "../errors.ts";
import { payloadOf } from "../wire/codec.ts";
import type { Transport, TransportEvents } from "./transport.ts";
import { remoteOf } from "./transport.ts";

/** `readyState` of an open WebSocket (the same number in every implementation). */
const OPEN = 1;
/** Close codes of RFC 6455 the transport sends. */
const NORMAL_CLOSURE = 1000;
const MESSAGE_TOO_BIG = 1009;

/** The data of a message event: text as a string, binary as bytes. */
type MessageData = string | ArrayBuffer | ArrayBufferView | readonly unknown[] | object;

/**
 * The part of the standard WebSocket API the transport uses; the browser's
 * `WebSocket` and `ws`'s `WebSocket` both have it.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "message", listener: (event: { data: MessageData }) => void): void;
  addEventListener(type: "close", listener: (event: { code: number; reason: string }) => void): void;
  addEventListener(type: "error", listener: (event: { error?: unknown; message?: string }) => void): void;
  addEventListener(type: "open", listener: () => void): void;
}

/** What Node's `ws` adds to the standard API; see `websocket-node.ts`. */
export interface NativeWebSocket {
  /** Sends a WebSocket ping frame. */
  ping(): void;
  /** Calls `listener` for every pong frame. */
  onPong(listener: () => void): void;
  /** Drops the connection at once, without a closing handshake. */
  terminate(): void;
  /** Called before each write: lets Node coalesce the writes of one tick into one. */
  beforeWrite?(): void;
  /** Stops reading from the socket (`ws`'s `pause()`); what was already read is still delivered. */
  pause?(): void;
  /** Reads from the socket again (`ws`'s `resume()`). */
  resume?(): void;
  /** Turns a `ws` error into a RepodError (it knows `ws`'s error codes). */
  describeError?(error: unknown, transport: WebSocketTransport): RepodError;
}

/** How a WebSocket transport is set up. */
export interface WebSocketTransportInit {
  /** Largest message accepted; a longer one closes the connection with FRAME_TOO_LARGE. */
  maxFrameBytes: number;
  remoteAddress: string;
  remotePort: number;
  /** What `ws` in Node adds; absent in the browser. */
  native?: NativeWebSocket;
}

/**
 * Events that arrived before anyone bound to the transport: a server may
 * send its greeting in the same packet as the handshake's answer, and `ws`
 * delivers it before a `connect()` caller has attached the transport.
 */
type Early = { kind: "payload"; payload: Uint8Array } | { kind: "problem" | "error"; error: RepodError } | { kind: "close" };

export class WebSocketTransport implements Transport {
  readonly kind = "websocket";
  readonly remoteAddress: string;
  readonly remotePort: number;
  private events: TransportEvents | null = null;
  private early: Early[] = [];
  private closed = false;
  private ending = false;
  private readonly maxFrameBytes: number;
  private readonly native: NativeWebSocket | undefined;
  /** Present only where this side can send a native ping (`ws` in Node). */
  readonly ping?: () => void;

  constructor(
    private readonly socket: WebSocketLike,
    init: WebSocketTransportInit,
  ) {
    this.remoteAddress = init.remoteAddress;
    this.remotePort = init.remotePort;
    this.maxFrameBytes = init.maxFrameBytes;
    this.native = init.native;
    const native = init.native;
    if (native) {
      this.ping = () => {
        if (this.isOpen) native.ping();
      };
      native.onPong(() => this.events?.pong?.());
    }
    socket.addEventListener("message", (event) => this.receive(event.data));
    socket.addEventListener("error", (event) => {
      if (this.closed) return;
      const cause = event.error ?? event.message;
      const error =
        native?.describeError?.(cause, this) ??
        new RepodError("CONNECT_FAILED", `connection to ${remoteOf(this)} broke${event.message ? `: ${event.message}` : ""}`, { cause });
      this.emit({ kind: "error", error });
    });
    socket.addEventListener("close", () => {
      if (this.closed) return;
      this.closed = true;
      this.emit({ kind: "close" });
    });
  }

  get isOpen(): boolean {
    return !this.closed && !this.ending && this.socket.readyState === OPEN;
  }

  get bufferedBytes(): number {
    return this.socket.bufferedAmount;
  }

  bind(events: TransportEvents): void {
    this.events = events;
    const early = this.early;
    this.early = [];
    for (const event of early) this.deliver(events, event);
  }

  /** Sends the payload of `frame` as one binary message (the length prefix is WebSocket's own framing). */
  write(frame: Uint8Array): void {
    if (this.closed || this.socket.readyState !== OPEN) return;
    this.native?.beforeWrite?.();
    this.socket.send(payloadOf(frame));
  }

  end(): void {
    if (this.ending || this.closed) return;
    this.ending = true;
    // The peer's half of the closing handshake must be read, even from a client paused for its rate.
    this.native?.resume?.();
    // The closing handshake goes after every message already sent.
    this.socket.close(NORMAL_CLOSURE);
  }

  destroy(): void {
    if (this.closed) return;
    this.ending = true;
    if (this.native) this.native.terminate();
    else this.socket.close(NORMAL_CLOSURE); // a browser cannot drop a connection harder than this
  }

  /** Stops (false) or resumes (true) reading, where the WebSocket allows it (`ws`; a browser's cannot). */
  setReading(reading: boolean): void {
    if (this.closed) return;
    if (reading) this.native?.resume?.();
    else this.native?.pause?.();
  }

  private receive(data: MessageData): void {
    if (this.closed) return;
    if (typeof data === "string") {
      this.emit({
        kind: "problem",
        error: new RepodError("NOT_A_MESSAGE", `expected a binary WebSocket message holding msgpack, got a text message of ${data.length} characters`, {
          remote: remoteOf(this),
        }),
      });
      return;
    }
    const payload = asBytes(data);
    if (payload === null) return; // binaryType is set by whoever made the socket; nothing else arrives
    if (payload.length > this.maxFrameBytes) {
      // `ws` refuses these before buffering them (maxPayload); a browser cannot, so refuse here.
      this.emit({
        kind: "error",
        error: new RepodError("FRAME_TOO_LARGE", `WebSocket message of ${payload.length} bytes, over maxFrameBytes (${this.maxFrameBytes})`, {
          remote: remoteOf(this),
        }),
      });
      this.ending = true;
      this.socket.close(MESSAGE_TOO_BIG);
      return;
    }
    this.emit({ kind: "payload", payload });
  }

  private emit(event: Early): void {
    if (this.events) this.deliver(this.events, event);
    else this.early.push(event);
  }

  private deliver(events: TransportEvents, event: Early): void {
    switch (event.kind) {
      case "payload":
        return events.payload(event.payload, 0, event.payload.length);
      case "problem":
        return events.problem?.(event.error);
      case "error":
        return events.error(event.error);
      case "close":
        return events.closed(this);
    }
  }
}

function asBytes(data: MessageData): Uint8Array | null {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

/**
 * Makes a WebSocket for a URL: the browser's `new WebSocket(url)`, or `ws`'s
 * in Node. It sets `binaryType` so that binary messages arrive as bytes
 * (`"arraybuffer"` in the browser, `"nodebuffer"` with `ws`).
 */
export type WebSocketFactory = (url: string, maxFrameBytes: number) => { socket: WebSocketLike; native?: NativeWebSocket };

/**
 * Opens a WebSocket to `url`. Resolves with the transport once open;
 * rejects with CONNECT_FAILED when the connection is refused, the handshake
 * fails, or nothing answers within `timeoutMs`.
 */
export function connectWebSocket(url: string, create: WebSocketFactory, maxFrameBytes: number, timeoutMs: number): Promise<WebSocketTransport> {
  return new Promise((resolve, reject) => {
    let made: ReturnType<WebSocketFactory>;
    try {
      made = create(url, maxFrameBytes);
    } catch (error) {
      reject(new RepodError("CONNECT_FAILED", `could not connect to ${url}: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
      return;
    }
    const { socket, native } = made;
    const where = new URL(url);
    let settled = false;
    const fail = (why: string, cause?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new RepodError("CONNECT_FAILED", `could not connect to ${url}: ${why}`, { cause }));
    };
    const timer = setTimeout(() => {
      fail(`no answer within ${timeoutMs} ms`);
      if (native) native.terminate();
      else socket.close();
    }, timeoutMs);
    // Made now, so that what arrives right after the handshake is kept (see Early).
    const transport = new WebSocketTransport(socket, {
      maxFrameBytes,
      remoteAddress: where.hostname.replace(/^\[|\]$/g, ""),
      remotePort: where.port ? Number(where.port) : where.protocol === "wss:" ? 443 : 80,
      native,
    });
    socket.addEventListener("open", () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(transport);
    });
    socket.addEventListener("error", (event) => fail(describeConnectError(event), event.error));
    socket.addEventListener("close", (event) => fail(`closed during the handshake (code ${event.code}${event.reason ? `, ${event.reason}` : ""})`));
  });
}

function describeConnectError(event: { error?: unknown; message?: string }): string {
  const error = event.error as { code?: string; message?: string } | undefined;
  return error?.code ?? error?.message ?? event.message ?? "the WebSocket handshake failed";
}
