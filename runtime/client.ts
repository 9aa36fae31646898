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
  DEFAULT_REQUEST_TIMEOUT_MS,
} from "./constants.ts";
import { RepodError } from "./errors.ts";
import { Link, type LinkOwner } from "./link.ts";
import { type Logger, silentLogger } from "./logging.ts";
import type { AnyMessage, Message, ProtocolDescriptor, Validator } from "./protocol.ts";
import { type RequestOptions, Requests, refuseInvalid } from "./requests.ts";
import { ClientResume, plural } from "./session/client-resume.ts";
import { type Clock, systemClock } from "./session/clock.ts";
import { ERROR, FEATURE_COMPAT, MISMATCH, PROTOCOL, WELCOME } from "./session/control.ts";
import type { Session } from "./session/session.ts";
import { remoteOf, type Transport } from "./transport/transport.ts";
import { encodeFrame } from "./wire/codec.ts";

/** Options of a client connection; every one has a default. */
export interface ClientOptions {
  /** Largest payload accepted from the server. @default 1048576 (1 MiB) */
  maxFrameBytes?: number;
  /** Bytes that may wait to be sent (or, while disconnected, queued) before sends are refused. @default 8388608 (8 MiB) */
  maxBufferedBytes?: number;
  /** Check every message from the server against the protocol before dispatch. @default true */
  validate?: boolean;
  /**
   * An attempt to connect fails when the socket has not opened after this
   * long, or when the server's greeting has not arrived this long after it
   * opened (`CONNECT_FAILED`); it is then retried like a refused one.
   * @default 5000
   */
  connectTimeoutMs?: number;
  /** Receives structured events. @default silent */
  logger?: Logger;
  /**
   * Retry a first connection that failed before the server's greeting
   * (refused, broken, or no greeting within `connectTimeoutMs`), and
   * reconnect after a broken connection and resume the session, when the
   * server offers resume (ours does; a Python repod server does not, and
   * there a closed connection stays closed). A deliberate `close()` on
   * either side never reconnects. Off: a failed first attempt is final.
   * @default true
   */
  reconnect?: boolean;
  /** Attempts after a failed first attempt or a break before giving up (`error` CONNECT_FAILED, then `disconnected`). @default 15 */
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
  /** How long `request()` waits for the server's answer before REQUEST_TIMEOUT, unless the call says; 0 waits as long as the connection lives. @default 10000 */
  requestTimeoutMs?: number;
  /** @internal what the heartbeat, the greeting and resume deadlines and the backoff run on; tests move it by hand. @default the system clock */
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

/** What `connect()` may take besides where to connect. */
export interface ConnectOptions<TAuth = unknown> {
  /**
   * The credential this client presents to join (the protocol's `Auth`),
   * sent in the handshake. A server that requires one checks it before
   * admitting the client: `connected` comes once it is accepted; a refusal
   * comes as `error` AUTH_FAILED, then `disconnected`.
   * @default undefined (none: against a server that requires one, the first message of its `authAction` is the credential)
   */
  auth?: TAuth;
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
/**
 * The connection broke, or an attempt to connect failed (refused, broken or
 * silent before the greeting); the client makes attempt `attempt` in
 * `delayMs`. Messages sent meanwhile are kept.
 */
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

// biome-ignore lint/correctness/noUnusedVariables: TIn names what the server sends; ConnectionListener, which dispatches it, takes the pair from here.
export class Client<TOut extends Message = AnyMessage, TIn extends Message = AnyMessage> {
  readonly options: Readonly<Required<ClientOptions>>;
  /** @internal the conversation with the server. */
  readonly link: Link;
  private queue: Array<Message> = [];
  private stateNow: ClientState = "idle";
  private target: ConnectTarget | undefined;
  private greeted = false;
  /** True once a socket of this `connect()` opened (`socketConnect` is raised once). */
  private socketOpened = false;
  /** Why the connection ended for good without the game's `close()`. */
  private endedBecause: string | null = null;
  /** The `disconnected` event of that end; once the game has been handed it, sends throw CLOSED. */
  private endedEvent: Message | null = null;
  private endSeen = false;
  /**
   * After a fresh session replaced one that could not resume: the frames the
   * game sent since the break (and since), which leave once the game's
   * handler of `after` (that `connected` event) has run.
   */
  private unsent: { after: Message; frames: Uint8Array[]; bytes: number } | null = null;
  /** The credential given to `connect()`. */
  private credential: unknown = undefined;
  /** A greeting that waits for the server to accept the credential (`_welcome`). */
  private welcome: { message: Message & Record<string, unknown>; session: Session | undefined; unsent: Uint8Array[] } | null = null;
  /** Why the server refused this client (AUTH_FAILED), if it did. */
  private refusal: RepodError | null = null;
  /** Heartbeat, reconnection and resume (see session/). */
  private readonly resume: ClientResume;
  /** The client messages the server cannot read (it runs an older or newer version of the protocol); null when it reads them all. */
  private unread: ReadonlySet<string> | null = null;
  /** While the server judges our version of the protocol: the greeting, what arrived after it, the session to begin. */
  private judged: { greeting: Message & Record<string, unknown>; held: Message[]; session: Session; unsent: Uint8Array[] } | null = null;
  /** @internal requests asked of the server, waiting for their answer (answers are delivered at `pump()`). */
  readonly requests: Requests;

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
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      clock: options.clock ?? systemClock,
    };
    const validators: ReadonlyMap<string, Validator> | null = this.options.validate && protocol ? new Map(Object.entries(protocol.server)) : null;
    const owner: LinkOwner = {
      message: (message) => {
        if (this.judged !== null) this.judged.held.push(message);
        else if (!this.resume.holdMessage(message)) this.queue.push(message);
      },
      control: (message) => this.control(message),
      problem: (error) => this.pushError(error),
      invalidRequest: (message, problem) => refuseInvalid(message, problem, (reply) => this.sendAnswer(reply)),
      transportClosed: (transport, error) => this.transportClosed(transport, error),
    };
    const replies = protocol?.replies?.client;
    this.requests = new Requests({
      send: (message) => this.send(message as TOut),
      remote: () => this.link.remote,
      replies: this.options.validate && replies ? new Map(Object.entries(replies)) : null,
      timeoutMs: this.options.requestTimeoutMs,
      clock: this.options.clock,
    });
    this.link = new Link(owner, { maxFrameBytes: this.options.maxFrameBytes, maxBufferedBytes: this.options.maxBufferedBytes }, validators);
    this.resume = new ClientResume(
      {
        link: this.link,
        fingerprint: protocol?.fingerprint,
        push: (message) => this.queue.push(message),
        pushError: (error) => {
          // A fresh session: what was asked before the break may never be answered (what was asked since is sent on it).
          if (error.code === "RESUME_FAILED") this.requests.failAll(error, this.requests.askedBeforeBreak);
          this.pushError(error);
        },
        open: () => this.open(),
        retarget: (to) => this.retarget(to),
        opened: () => {
          this.stateNow = "open";
          if (this.socketOpened) return;
          this.socketOpened = true;
          this.queue.push({ action: "socketConnect" } satisfies SocketConnectEvent);
        },
        greet: (greeting, session, unsent) => {
          this.stateNow = "open";
          this.greet(greeting, session, unsent);
        },
        reconnected: () => {
          this.stateNow = "open";
          this.options.logger({ event: "reconnect", remote: this.link.remote });
        },
        gone: (error) => this.end(error),
      },
      this.options,
      this.options.clock,
    );
  }

  /** `idle` before connect, `connecting` (also between failed first attempts), `open` once the socket is up, `reconnecting` while a broken connection is restored, `closed` after. */
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
   * when the first attempt's socket is open or has failed; never rejects.
   * A failed attempt (refused, or broken or silent before the greeting) is
   * retried with backoff (`reconnecting` events) while `reconnect` is on;
   * when none succeeds, `error` CONNECT_FAILED then `disconnected` arrive at
   * a later `pump()`.
   */
  async connect(hostOrUrl: string = DEFAULT_HOST, portOrOptions: number | ConnectOptions = DEFAULT_PORT, options: ConnectOptions = {}): Promise<void> {
    if (this.stateNow === "connecting" || this.stateNow === "open" || this.stateNow === "reconnecting") throw new Error(`already ${this.stateNow}`);
    const port = typeof portOrOptions === "number" ? portOrOptions : DEFAULT_PORT;
    if (typeof portOrOptions === "object") options = portOrOptions;
    this.target = parseTarget(hostOrUrl, port);
    this.credential = options.auth;
    this.welcome = null;
    this.refusal = null;
    this.stateNow = "connecting";
    this.greeted = false;
    this.socketOpened = false;
    this.endedBecause = null;
    this.endedEvent = null;
    this.endSeen = false;
    this.unsent = null;
    this.judged = null;
    this.unread = null;
    this.link.reset();
    this.resume.reset();
    await this.resume.connect();
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
   * Sends a message. Until the connection is ready (and while it is being
   * restored), it waits in a bounded queue and leaves, in order, once it is.
   * Returns the bytes sent or queued; 0 once closed (after your own
   * `close()`, or while the `disconnected` of an end you did not ask for
   * still waits for `pump()`).
   *
   * @throws RepodError ENCODE_FAILED for a value msgpack cannot carry;
   * QUEUE_FULL when the queue is full; CLOSED once the connection has ended
   * for good without your `close()` (the server closed it, or every attempt
   * to connect failed) and `pump()` has handed you its `disconnected`:
   * nothing sent then would ever arrive. NOT_SUPPORTED for a message the
   * server's version of the protocol does not have (see {@link supports}).
   */
  send(message: TOut): number {
    if (this.stateNow === "closed") {
      if (!this.endSeen) return 0;
      throw new RepodError(
        "CLOSED",
        `cannot send "${String(message.action)}": the connection has ended (${this.endedBecause}); connect() again to start a new one`,
      );
    }
    if (this.unread?.has(message.action)) throw this.notSupported(message.action);
    return this.sendMessage(message);
  }

  /**
   * Asks the server and resolves with its answer (delivered at `pump()`, in
   * order with the messages around it). See `ConnectionListener.request`.
   */
  request(action: string, data?: object, options?: RequestOptions): Promise<unknown> {
    if (this.unread?.has(action)) return Promise.reject(this.notSupported(action, "request"));
    return this.requests.ask(action, data, options);
  }

  /** @internal sends an answer to the server's request; 0 once the connection is over (the answer is dropped, never thrown). */
  sendAnswer(message: Message): number {
    return this.stateNow === "closed" ? 0 : this.sendMessage(message);
  }

  private sendMessage(message: Message): number {
    const frame = encodeFrame(message, this.options.maxFrameBytes);
    const unsent = this.unsent;
    if (unsent !== null) {
      // Behind the frames sent while the session was away: they leave after the game's `connected` handler.
      if (unsent.bytes + frame.length > this.options.maxBufferedBytes) {
        throw new RepodError(
          "QUEUE_FULL",
          `${unsent.bytes} bytes already wait for the connection to come back; maxBufferedBytes is ${this.options.maxBufferedBytes}`,
        );
      }
      unsent.frames.push(frame);
      unsent.bytes += frame.length;
      return frame.length;
    }
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
    const nothingOpen = (this.stateNow === "connecting" || this.stateNow === "reconnecting") && this.link.transport === null;
    this.unsent = null;
    // Sends held for the greeting leave now, outside any session: the connection is ending anyway.
    if (this.stateNow === "open" && !this.greeted) for (const frame of this.link.release()) this.link.write(frame);
    this.stateNow = "closed";
    this.resume.stop();
    this.link.close();
    this.requests.failAll(undefined);
    if (nothingOpen) this.queue.push({ action: "disconnected" } satisfies DisconnectedEvent);
  }

  /** Hands every queued message and event, in order, to `deliver`; returns how many. */
  drain(deliver: (message: Message) => void): number {
    if (this.queue.length === 0) return 0;
    const batch = this.queue;
    this.queue = [];
    for (let i = 0; i < batch.length; i++) {
      const message = batch[i]!;
      if (this.unsent === null || message !== this.unsent.after) {
        deliver(message);
        if (message === this.endedEvent) this.endSeen = true;
        continue;
      }
      // What the handler of this `connected` sends (a login) goes first; then what was sent while away.
      const frames = this.unsent.frames;
      this.unsent = null;
      deliver(message);
      this.sendUnsent(frames);
    }
    return batch.length;
  }

  /** The game has seen `connected` of a fresh session (and logged in again there): what it sent while away leaves now, in order. */
  private sendUnsent(frames: Uint8Array[]): void {
    for (let i = 0; i < frames.length; i++) {
      if (this.stateNow === "closed") return;
      try {
        this.link.send(frames[i]!);
      } catch (error) {
        // The connection broke again and its queue is full: say what could not be kept.
        const why = error instanceof RepodError ? error.message : String(error);
        this.pushError(new RepodError("QUEUE_FULL", `${plural(frames.length - i, "message")} sent while away could not be queued again: ${why}`));
        return;
      }
    }
  }

  /**
   * `_moved {to}`: the server that stops names where to resume. Only an
   * address of the kind the client connected with, whose transport this
   * build has: a TCP client takes `host:port`, a WebSocket client a `ws://`
   * or `wss://` URL. Returns why not, otherwise.
   */
  private retarget(to: string): string | undefined {
    const current = this.target;
    if (current === undefined) return "no connection yet";
    let next: ConnectTarget;
    if (current.scheme === "tcp") {
      const match = /^(\[[^\]]+\]|[^:/[\]]+):(\d{1,5})$/.exec(to);
      const port = Number(match?.[2]);
      if (match === null || port < 1 || port > 65535) return `${JSON.stringify(to)} is not a TCP host:port`;
      next = { scheme: "tcp", host: match[1]!.replace(/^\[|\]$/g, ""), port };
    } else {
      if (!/^wss?:\/\//i.test(to)) return `${JSON.stringify(to)} is not a ws:// or wss:// URL`;
      try {
        next = parseTarget(to, current.port);
      } catch {
        return `${JSON.stringify(to)} is not a URL`;
      }
    }
    if (!connectors.has(next.scheme)) return `no transport for "${next.scheme}:" in this build`;
    this.target = next;
    return undefined;
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
      if (message.action === WELCOME) return this.welcomed();
      if (message.action === ERROR) return this.serverError(message);
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
  private greet(message: Message & Record<string, unknown>, session?: Session, unsent: Uint8Array[] = []): void {
    const theirs = message.fingerprint;
    const protocol = this.protocol;
    this.unread = null;
    if (protocol !== undefined && typeof theirs === "string" && theirs !== protocol.fingerprint) {
      const features = Array.isArray(message.features) ? message.features : [];
      if (message.protocol === protocol.name && protocol.schema !== undefined && features.includes(FEATURE_COMPAT)) {
        this.judged = { greeting: message, held: [], session: this.resume.countArrivals(session), unsent };
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
    this.begin(message, session, unsent);
  }

  /** The session starts; with a credential for a server that requires one, `connected` waits for its `_welcome`. */
  private begin(message: Message & Record<string, unknown>, session: Session | undefined, unsent: Uint8Array[]): void {
    if (message.auth === true && this.credential !== undefined) {
      // The server checks the credential first: `connected` (and what was sent meanwhile) waits for its `_welcome`.
      this.welcome = { message, session, unsent };
      this.resume.greeted(message, session, this.credential);
      return;
    }
    this.accepted(message, session, unsent);
  }

  /** The server accepted the credential presented in `_hello`. */
  private welcomed(): void {
    const welcome = this.welcome;
    if (welcome === null) return;
    this.welcome = null;
    this.resume.welcomed();
    this.accepted(welcome.message, welcome.session, welcome.unsent, false);
  }

  /** `_error {code, message}`: the server refused us (AUTH_FAILED) or a message of ours (RATE_LIMITED). */
  private serverError(message: Record<string, unknown>): void {
    const code = message.code === "AUTH_FAILED" || message.code === "RATE_LIMITED" ? message.code : undefined;
    if (code === undefined) return;
    const error = new RepodError(code, typeof message.message === "string" ? message.message : "refused by the server", {
      remote: this.link.remote,
      ...(typeof message.about === "string" ? { action: message.about } : {}),
    });
    if (code === "AUTH_FAILED") {
      this.refusal = error;
      this.welcome = null;
      this.resume.refused();
    }
    this.pushError(error);
  }

  /** The session has begun: raise `connected` and send what waited for it. */
  private accepted(message: Message & Record<string, unknown>, session: Session | undefined, unsent: Uint8Array[], greet = true): void {
    this.greeted = true;
    if (greet) this.resume.greeted(message, session);
    this.queue.push(message);
    if (unsent.length > 0 || this.unsent !== null) {
      // Frames still waiting for an earlier `connected` the game has not pumped yet go first.
      const frames = [...(this.unsent?.frames ?? []), ...unsent];
      let bytes = 0;
      for (const frame of frames) bytes += frame.length;
      this.unsent = { after: message, frames, bytes };
    }
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
    this.begin(judged.greeting, judged.session, judged.unsent);
    for (const held of judged.held) this.queue.push(held);
  }

  private mismatch(reason: string): void {
    const error = new RepodError("PROTOCOL_MISMATCH", reason, { remote: this.link.remote });
    this.pushError(error);
    this.link.abort(error);
  }

  private notSupported(action: string, what: "message" | "request" = "message"): RepodError {
    return new RepodError(
      "NOT_SUPPORTED",
      `the server's version of the ${this.protocol?.name ?? ""} protocol has no "${action}" ${what}: check supports("${action}") before ${what === "message" ? "sending" : "asking"} it`,
      { action },
    );
  }

  private pushError(error: RepodError): void {
    this.options.logger({ event: "error", code: error.code, message: error.message, remote: this.link.remote });
    const event: ErrorEvent = { action: "error", code: error.code, message: error.message, error };
    this.queue.push(event);
  }

  private transportClosed(transport: Transport, error: RepodError | undefined): void {
    if (this.stateNow === "closed") {
      // The game's own close().
      if (error && error.code !== "PROTOCOL_MISMATCH") this.pushError(error);
      this.greeted = false;
      this.queue.push({ action: "disconnected" } satisfies DisconnectedEvent);
      return;
    }
    if (error === undefined && this.resume.connecting) {
      error = new RepodError("CONNECT_FAILED", "the connection closed before the server's greeting arrived", { remote: remoteOf(transport) });
    }
    const wasOpen = this.stateNow === "open";
    if (this.resume.broken(error)) {
      // Requests asked from now on are among what a fresh session would still send.
      if (wasOpen) this.requests.markBreak();
      this.stateNow = this.resume.connecting ? "connecting" : "reconnecting";
      return;
    }
    this.end(error);
  }

  /**
   * The connection is over without the game's `close()`: reports why (with
   * the messages that will never leave), and makes later sends throw CLOSED.
   */
  private end(error: RepodError | undefined): void {
    const unsent = this.link.release().length + (this.unsent?.frames.length ?? 0);
    this.unsent = null;
    if (error !== undefined && unsent > 0) {
      const not = `${plural(unsent, "message")} sent meanwhile ${unsent === 1 ? "was" : "were"} not delivered`;
      error = new RepodError(error.code, `${error.message}; ${not}`, { cause: error });
    }
    // A PROTOCOL_MISMATCH or a refusal was already reported when it was found.
    if (error !== undefined && error.code !== "PROTOCOL_MISMATCH" && this.refusal === null) this.pushError(error);
    this.endedBecause = this.refusal?.message ?? error?.message ?? "the server closed the connection";
    this.requests.failAll(error ?? this.refusal ?? undefined);
    this.stateNow = "closed";
    this.greeted = false;
    const event: DisconnectedEvent = { action: "disconnected" };
    this.endedEvent = event;
    this.queue.push(event);
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
