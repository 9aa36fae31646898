/**
 * The client's connection: what repod calls `connection`. It connects,
 * queues everything that arrives — messages and the built-in events
 * `socketConnect`, `connected`, `error`, `disconnected` — and hands the queue
 * to its listener when the game loop calls `pump()`.
 *
 * Node has one thread, so there is no background thread as in repod: the
 * socket fills the queue on the event loop and `pump()` drains it
 * synchronously, once per frame of the game loop.
 *
 * Transports are plugged in by scheme (`registerConnector`) so that the
 * browser build never imports `node:net`.
 */
import {
  DEFAULT_HOST,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_MAX_RETAINED_BYTES,
  DEFAULT_PORT,
  DEFAULT_RECONNECT_ATTEMPTS,
  DEFAULT_RECONNECT_MAX_DELAY_MS,
  DEFAULT_RECONNECT_MIN_DELAY_MS,
} from "./constants.ts";
import { RepodError } from "./errors.ts";
import { Link, type LinkOwner } from "./link.ts";
import { silentLogger, type Logger } from "./logging.ts";
import type { AnyMessage, Message, ProtocolDescriptor, Validator } from "./protocol.ts";
import { systemClock, type Clock } from "./session/clock.ts";
import { ClientResume } from "./session/client-resume.ts";
import { FEATURE_COMPAT, MISMATCH, PROTOCOL } from "./session/control.ts";
import type { Session } from "./session/session.ts";
import type { Transport } from "./transport/transport.ts";
import { encodeFrame } from "./wire/codec.ts";

/** Options of a client connection; every one has a default. */
export interface ClientOptions {
  /** Largest payload accepted from the server. @default 1048576 (1 MiB) */
  maxFrameBytes?: number;
  /** Bytes that may wait to be sent (or, while disconnected, queued) before sends are refused. @default 8388608 (8 MiB) */
  maxBufferedBytes?: number;
  /** Check every message from the server against the protocol before dispatch. @default true */
  validate?: boolean;
  /** Give up connecting after this long. @default 5000 */
  connectTimeoutMs?: number;
  /** Receives structured events. @default silent */
  logger?: Logger;
  /**
   * Reconnect after a broken connection and resume the session, when the
   * server offers resume (ours does; a Python repod server does not, and
   * there a closed connection stays closed). A deliberate `close()` on
   * either side never reconnects.
   * @default true
   */
  reconnect?: boolean;
  /** Connection attempts after a break before giving up (`error` CONNECT_FAILED, then `disconnected`). @default 15 */
  reconnectAttempts?: number;
  /** Delay before the first attempt; attempt n waits between half and all of min(max, min·2ⁿ⁻¹), never less than this. @default 100 */
  reconnectMinDelayMs?: number;
  /** The longest delay between attempts. @default 5000 */
  reconnectMaxDelayMs?: number;
  /**
   * Bytes of sent messages kept until the server acknowledges them, so that
   * a resume can resend them. While reconnecting, a send past it throws
   * QUEUE_FULL; while connected, passing it means the session cannot resume.
   * @default 1048576 (1 MiB)
   */
  maxRetainedBytes?: number;
  /** @internal what the heartbeat, the resume deadline and the backoff run on; tests move it by hand. @default the system clock */
  clock?: Clock;
}

/** Where to connect: a TCP host and port, or a `ws://` / `wss://` URL. */
export interface ConnectTarget {
  /** `"tcp"`, `"ws"` or `"wss"`. */
  scheme: string;
  host: string;
  port: number;
  /** The whole URL, for WebSocket. */
  url?: string;
}

/** Opens a transport to a target; rejects with CONNECT_FAILED. */
export type Connector = (target: ConnectTarget, options: Required<ClientOptions>) => Promise<Transport>;

const connectors = new Map<string, Connector>();

/** Makes `connect()` able to reach targets of `scheme` (done by the entry points; tests may add their own). */
export function registerConnector(scheme: string, connector: Connector): void {
  connectors.set(scheme, connector);
}

/** Built-in events, delivered through `pump()` as `Network_<action>` like any message. */
// Type aliases, not interfaces: an alias is assignable to AnyMessage, so a handler written
// as `Network_connected(data: AnyMessage)` still fits.
export type SocketConnectEvent = {
  action: "socketConnect";
};
/** The server's greeting: our server adds its protocol's name and fingerprint and the channel id. */
export type ConnectedEvent = {
  action: "connected";
  protocol?: string;
  fingerprint?: string;
  id?: string;
  /** false when this greeting starts a fresh session because an earlier one could not be resumed (an `error` RESUME_FAILED came just before, saying why). */
  resumed?: false;
  [field: string]: unknown;
};
/** The connection broke; the client is about to make attempt `attempt` to reconnect, in `delayMs`. Messages sent meanwhile are kept. */
export type ReconnectingEvent = {
  action: "reconnecting";
  attempt: number;
  delayMs: number;
  /** Why the connection broke (TIMEOUT, CONNECT_FAILED) or why the last attempt failed. */
  code: RepodError["code"];
  message: string;
};
/** The session resumed on a new connection: nothing was lost either way. */
export type ReconnectedEvent = {
  action: "reconnected";
  /** Attempts it took. */
  attempts: number;
};
export type DisconnectedEvent = {
  action: "disconnected";
};
export type ErrorEvent = {
  action: "error";
  code: RepodError["code"];
  message: string;
  error: RepodError;
};
export type ClientEvent = SocketConnectEvent | ConnectedEvent | DisconnectedEvent | ErrorEvent | ReconnectingEvent | ReconnectedEvent;

/** Connection states. */
export type ClientState = "idle" | "connecting" | "open" | "reconnecting" | "closed";

export class Client<TOut extends Message = AnyMessage, TIn extends Message = AnyMessage> {
  readonly options: Readonly<Required<ClientOptions>>;
  /** @internal the conversation with the server. */
  readonly link: Link;
  private queue: Array<Message> = [];
  private stateNow: ClientState = "idle";
  private target: ConnectTarget | undefined;
  private greeted = false;
  /** Heartbeat, reconnection and resume (see session/). */
  private readonly resume: ClientResume;
  /** The client messages the server cannot read (it runs an older or newer version of the protocol); null when it reads them all. */
  private unread: ReadonlySet<string> | null = null;
  /** While the server judges our version of the protocol: the greeting, what arrived after it, the session to begin. */
  private judged: { greeting: Message & Record<string, unknown>; held: Message[]; session: Session } | null = null;

  constructor(
    readonly protocol: ProtocolDescriptor | undefined,
    options: ClientOptions = {},
  ) {
    this.options = {
      maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      maxBufferedBytes: options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
      validate: options.validate ?? true,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      logger: options.logger ?? silentLogger,
      reconnect: options.reconnect ?? true,
      reconnectAttempts: options.reconnectAttempts ?? DEFAULT_RECONNECT_ATTEMPTS,
      reconnectMinDelayMs: options.reconnectMinDelayMs ?? DEFAULT_RECONNECT_MIN_DELAY_MS,
      reconnectMaxDelayMs: options.reconnectMaxDelayMs ?? DEFAULT_RECONNECT_MAX_DELAY_MS,
      maxRetainedBytes: options.maxRetainedBytes ?? DEFAULT_MAX_RETAINED_BYTES,
      clock: options.clock ?? systemClock,
    };
    const validators: ReadonlyMap<string, Validator> | null =
      this.options.validate && protocol ? new Map(Object.entries(protocol.server)) : null;
    const owner: LinkOwner = {
      message: (message) => {
        if (this.judged !== null) this.judged.held.push(message);
        else if (!this.resume.holdMessage(message)) this.queue.push(message);
      },
      control: (message) => this.control(message),
      problem: (error) => this.pushError(error),
      transportClosed: (_transport, error) => this.transportClosed(error),
    };
    this.link = new Link(owner, { maxFrameBytes: this.options.maxFrameBytes, maxBufferedBytes: this.options.maxBufferedBytes }, validators);
    this.resume = new ClientResume(
      {
        link: this.link,
        fingerprint: protocol?.fingerprint,
        push: (message) => this.queue.push(message),
        pushError: (error) => this.pushError(error),
        open: () => this.open(),
        greet: (greeting, session) => {
          this.stateNow = "open";
          this.greet(greeting, session);
        },
        reconnected: () => {
          this.stateNow = "open";
          this.options.logger({ event: "reconnect", remote: this.link.remote });
        },
        gone: () => {
          this.stateNow = "closed";
          this.greeted = false;
          this.queue.push({ action: "disconnected" } satisfies DisconnectedEvent);
        },
      },
      this.options,
      this.options.clock,
    );
  }

  /** `idle` before connect, `connecting`, `open` once the socket is up, `reconnecting` while a broken connection is restored, `closed` after. */
  get state(): ClientState {
    return this.stateNow;
  }

  /** True once the server's greeting has arrived, until the connection closes; false while reconnecting. */
  get isConnected(): boolean {
    return this.greeted && this.link.isOpen && !this.resume.away;
  }

  /** Messages and events waiting for the next `pump()`. */
  get pending(): number {
    return this.queue.length;
  }

  /**
   * Connects to `host:port` over TCP, or to a `ws://`/`wss://` URL. Resolves
   * when the connection is open or has failed; failure arrives as an `error`
   * event followed by `disconnected` at the next `pump()`, never as a rejection.
   */
  async connect(hostOrUrl: string = DEFAULT_HOST, port: number = DEFAULT_PORT): Promise<void> {
    if (this.stateNow === "connecting" || this.stateNow === "open" || this.stateNow === "reconnecting") throw new Error(`already ${this.stateNow}`);
    this.target = parseTarget(hostOrUrl, port);
    this.stateNow = "connecting";
    this.greeted = false;
    this.judged = null;
    this.unread = null;
    this.link.reset();
    this.resume.reset();
    try {
      const transport = await this.open();
      if (this.stateNow !== "connecting") {
        transport.destroy(); // close() was called while connecting
        return;
      }
      this.stateNow = "open";
      this.queue.push({ action: "socketConnect" } satisfies SocketConnectEvent);
      // Sends wait for the greeting: a session's `_hello` must go before them.
      this.link.attach(transport, true);
    } catch (error) {
      this.stateNow = "closed";
      this.pushError(error instanceof RepodError ? error : new RepodError("CONNECT_FAILED", String(error), { cause: error }));
      this.queue.push({ action: "disconnected" } satisfies DisconnectedEvent);
    }
  }

  /**
   * Whether the server reads messages of this action. Always true against a
   * server of the same protocol version; false for a message the server's
   * version does not have (it is newer or older than ours). Known from
   * `Network_connected` on.
   */
  supports(action: TOut["action"]): boolean {
    return this.unread === null || !this.unread.has(action);
  }

  /**
   * Sends a message. Before the connection is open, it waits in a bounded
   * queue and leaves first once it is. Returns the bytes sent or queued; 0
   * after `close()`. Throws ENCODE_FAILED for a value msgpack cannot carry,
   * NOT_SUPPORTED for a message the server's version of the protocol does
   * not have (see {@link supports}).
   */
  send(message: TOut): number {
    if (this.stateNow === "closed") return 0;
    if (this.unread !== null && this.unread.has(message.action)) throw this.notSupported(message.action);
    const frame = encodeFrame(message, this.options.maxFrameBytes);
    if (this.resume.away) this.resume.checkRoom(frame);
    return this.link.send(frame);
  }

  /** Sends what is queued, then closes. A `disconnected` event follows. */
  close(): void {
    if (this.stateNow === "closed" || this.stateNow === "idle") {
      this.stateNow = "closed";
      return;
    }
    // No transport will report a close: say it here.
    const nothingOpen = this.stateNow === "connecting" || (this.stateNow === "reconnecting" && this.link.transport === null);
    // Sends held for the greeting leave now, outside any session: the connection is ending anyway.
    if (this.stateNow === "open" && !this.greeted) for (const frame of this.link.release()) this.link.write(frame);
    this.stateNow = "closed";
    this.resume.stop();
    this.link.close();
    if (nothingOpen) this.queue.push({ action: "disconnected" } satisfies DisconnectedEvent);
  }

  /** Hands every queued message and event, in order, to `deliver`; returns how many. */
  drain(deliver: (message: Message) => void): number {
    if (this.queue.length === 0) return 0;
    const batch = this.queue;
    this.queue = [];
    for (let i = 0; i < batch.length; i++) deliver(batch[i]!);
    return batch.length;
  }

  /** Opens a transport to the target of the last `connect()`. */
  private open(): Promise<Transport> {
    const target = this.target!;
    const connector = connectors.get(target.scheme);
    if (!connector) return Promise.reject(new RepodError("CONNECT_FAILED", `no transport for "${target.scheme}:" in this build`));
    return connector(target, this.options);
  }

  private control(message: Message & Record<string, unknown>): void {
    if (message.action !== "connected") {
      if (message.action === PROTOCOL || message.action === MISMATCH) this.judgement(message);
      else this.resume.control(message);
      return;
    }
    if (this.resume.holdGreeting(message)) return; // a resume is under way: its answer decides
    if (this.greeted) return;
    this.greet(message);
  }

  /**
   * A greeting starts a session: check the protocol, turn on what the server
   * offers, raise `connected`. A server of another version of our protocol
   * first judges our schema (`_protocol`); until it answers, what arrives is held.
   */
  private greet(message: Message & Record<string, unknown>, session?: Session): void {
    const theirs = message.fingerprint;
    const protocol = this.protocol;
    this.unread = null;
    if (protocol !== undefined && typeof theirs === "string" && theirs !== protocol.fingerprint) {
      const features = Array.isArray(message.features) ? message.features : [];
      if (message.protocol === protocol.name && protocol.schema !== undefined && features.includes(FEATURE_COMPAT)) {
        this.judged = { greeting: message, held: [], session: this.resume.countArrivals(session) };
        this.link.sendControl(encodeFrame({ action: PROTOCOL, fingerprint: protocol.fingerprint, schema: protocol.schema }));
        return;
      }
      const why =
        message.protocol === protocol.name
          ? `the server runs another version of the ${protocol.name} protocol (fingerprint ${theirs}, ours ${protocol.fingerprint}) and cannot compare versions`
          : `the server speaks ${String(message.protocol ?? "another protocol")} (fingerprint ${theirs}), this client ${protocol.name} (fingerprint ${protocol.fingerprint})`;
      this.mismatch(`${why}; regenerate both from the same protocol file`);
      return;
    }
    this.greeted = true;
    this.resume.greeted(message, session);
    this.queue.push(message);
  }

  /** The server's answer to our `_protocol`: what it reads, or why the versions cannot talk. */
  private judgement(message: Message & Record<string, unknown>): void {
    const judged = this.judged;
    if (judged === null) return;
    this.judged = null;
    if (message.action === MISMATCH) {
      const reason = typeof message.reason === "string" ? message.reason : "the versions are not compatible";
      this.mismatch(`the server's version of the ${this.protocol!.name} protocol cannot talk with this client's: ${reason}`);
      return;
    }
    const unread = Array.isArray(message.unread) ? message.unread.filter((a): a is string => typeof a === "string") : [];
    this.unread = unread.length > 0 ? new Set(unread) : null;
    this.greeted = true;
    this.resume.greeted(judged.greeting, judged.session);
    this.queue.push(judged.greeting);
    for (const held of judged.held) this.queue.push(held);
  }

  private mismatch(reason: string): void {
    const error = new RepodError("PROTOCOL_MISMATCH", reason, { remote: this.link.remote });
    this.pushError(error);
    this.link.abort(error);
  }

  private notSupported(action: string): RepodError {
    return new RepodError(
      "NOT_SUPPORTED",
      `the server's version of the ${this.protocol?.name ?? ""} protocol has no "${action}" message: check supports("${action}") before sending it`,
      { action },
    );
  }

  private pushError(error: RepodError): void {
    this.options.logger({ event: "error", code: error.code, message: error.message, remote: this.link.remote });
    const event: ErrorEvent = { action: "error", code: error.code, message: error.message, error };
    this.queue.push(event);
  }

  private transportClosed(error: RepodError | undefined): void {
    if (this.stateNow !== "closed" && this.resume.broken(error)) {
      this.stateNow = "reconnecting";
      return;
    }
    // A PROTOCOL_MISMATCH was already reported when it was found.
    if (error && error.code !== "PROTOCOL_MISMATCH") this.pushError(error);
    this.stateNow = "closed";
    this.greeted = false;
    this.queue.push({ action: "disconnected" } satisfies DisconnectedEvent);
  }
}

/** Reads `connect()`'s arguments: a host and port, or a URL. */
export function parseTarget(hostOrUrl: string, port: number): ConnectTarget {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(hostOrUrl)?.[1]?.toLowerCase();
  if (scheme === undefined) return { scheme: "tcp", host: hostOrUrl, port };
  const url = new URL(hostOrUrl);
  const defaultPort = scheme === "wss" ? 443 : scheme === "ws" ? 80 : port;
  return { scheme, host: url.hostname.replace(/^\[|\]$/g, ""), port: url.port ? Number(url.port) : defaultPort, url: hostOrUrl };
}
