/**
 * The ConnectionListener is the client side of repod: subclass it, write a
 * `Network_<action>(data)` method per message you want, connect, and call
 * `pump()` once per frame of your game loop. Everything that arrived since
 * the last pump is dispatched then, in order, together with the built-in
 * events `socketConnect`, `connected`, `error`, `disconnected`.
 *
 * @example
 * ```ts
 * class Chat extends ConnectionListener {
 *   Network_connected() { this.send({ action: "nickname", nickname: "ada" }); }
 *   Network_message(data: AnyMessage) { console.log(data.nickname, data.text); }
 * }
 * const chat = new Chat();
 * await chat.connect("127.0.0.1", 5071);
 * setInterval(() => chat.pump(), 16); // the game loop
 * ```
 *
 * Generated protocols give you `abstract class <Name>Listener` whose
 * handlers for the server's messages are abstract and whose `send()` takes
 * only messages the client may send.
 */
import {
  Client,
  type ClientOptions,
  type ConnectedEvent,
  type ConnectOptions,
  type DisconnectedEvent,
  type ErrorEvent,
  type ReconnectedEvent,
  type ReconnectingEvent,
  type SocketConnectEvent,
} from "./client.ts";
import { dispatch } from "./dispatch.ts";
import type { RepodError } from "./errors.ts";
import type { AnyMessage, Message, ProtocolDescriptor } from "./protocol.ts";
import { deliver, type RequestOptions } from "./requests.ts";

export class ConnectionListener<TOut extends Message = AnyMessage, TIn extends Message = AnyMessage, TAuth = unknown> {
  /** The protocol a generated listener class speaks; untyped listeners have none. */
  static readonly protocol?: ProtocolDescriptor;

  /** The connection (repod's `connection`): state, close, options. */
  readonly connection: Client<TOut, TIn>;

  constructor(options: ClientOptions = {}) {
    const protocol = (this.constructor as typeof ConnectionListener).protocol;
    this.connection = new Client<TOut, TIn>(protocol, options);
  }

  /**
   * Connects to `host:port` (default 127.0.0.1:5071) over TCP, or to a
   * `ws://`/`wss://` URL. Resolves once the first attempt's socket is open
   * or has failed; never rejects. The outcome arrives through `pump()`:
   * `socketConnect` then `connected`; a failed attempt (refused, or broken
   * or silent before the greeting) as `reconnecting`, retried with backoff;
   * `error` CONNECT_FAILED then `disconnected` once every attempt failed.
   *
   * `options.auth` is the credential presented to a server that requires one
   * (typed by the protocol's `Auth`): `connected` then comes once the server
   * accepted it; a refusal comes as `error` AUTH_FAILED, then `disconnected`.
   *
   * @example
   * ```ts
   * await game.connect("127.0.0.1", 5071, { auth: { token } });
   * await game.connect("ws://127.0.0.1:5072/", { auth: { token } });
   * ```
   */
  connect(hostOrUrl?: string, port?: number, options?: ConnectOptions<TAuth>): Promise<void>;
  connect(hostOrUrl: string, options: ConnectOptions<TAuth>): Promise<void>;
  connect(hostOrUrl?: string, portOrOptions?: number | ConnectOptions<TAuth>, options?: ConnectOptions<TAuth>): Promise<void> {
    return this.connection.connect(hostOrUrl, portOrOptions, options);
  }

  /**
   * Dispatches everything that arrived since the last call, in order. Call
   * it once per frame of the game loop. Returns how many messages and events
   * were dispatched.
   */
  pump(): number {
    const connection = this.connection;
    return connection.drain((message) => deliver(this, message as Message & Record<string, unknown>, connection.requests, this.#reply, this.#report));
  }

  /**
   * Whether the server reads messages of this action: false for a message
   * the server's version of the protocol does not have. Known from
   * `Network_connected` on; see {@link Client.supports}.
   */
  supports(action: TOut["action"]): boolean {
    return this.connection.supports(action);
  }

  /**
   * Asks the server and resolves with its answer, which arrives through
   * `pump()` in order with the messages around it: the server's
   * `Request_<action>(data)` returns it (a Python server sends a `_reply`).
   * Rejects with a `RepodError`: REQUEST_FAILED (refused; `reason` says
   * why), REQUEST_TIMEOUT, ABORTED, INVALID_PAYLOAD (a reply that does not
   * match the protocol), or the code that ended the connection. A request
   * in flight when the connection breaks is answered once after the resume.
   * Generated listeners type it by the protocol's `ClientRequests`.
   *
   * @example
   * ```ts
   * const { seat } = await this.request("join", { room: "red" }, { timeoutMs: 5000 });
   * ```
   */
  request(action: string, data?: object, options?: RequestOptions): Promise<unknown> {
    return this.connection.request(action, data, options);
  }

  /** Sends an answer to the server's request (untyped: the reply was typed by the handler). */
  readonly #reply = (message: Message): number => this.connection.sendAnswer(message);
  readonly #report = (error: RepodError): void => this.handlerFailed(error);

  /**
   * Sends a message; see {@link Client.send}. Queued until the connection is
   * ready. Throws CLOSED once the connection has ended for good without your
   * `close()` and `disconnected` has been dispatched; returns 0 after your own
   * `close()`; NOT_SUPPORTED for a message the server's version lacks.
   */
  send(message: TOut): number {
    return this.connection.send(message);
  }

  /** Sends what is queued, then closes; `disconnected` arrives at a later pump. */
  close(): void {
    this.connection.close();
  }

  /** The TCP (or WebSocket) connection opened; the server's greeting has not come yet. */
  Network_socketConnect?(data: SocketConnectEvent): void;
  /**
   * The server greeted us: the connection is ready. Raised exactly once per
   * connection — and again, with `resumed: false`, when a session could not be
   * resumed and a fresh one began: log in again here; what you sent while
   * the connection was away is sent right after this handler returns.
   */
  Network_connected?(data: ConnectedEvent): void;
  /** Connecting failed, the connection broke, or the server sent something wrong. */
  Network_error?(data: ErrorEvent): void;
  /** The connection is closed. Unless you called `close()`, `send()` throws CLOSED once this handler has run. */
  Network_disconnected?(data: DisconnectedEvent): void;
  /**
   * The connection broke, or an attempt to connect failed, and the client
   * tries again (attempt `data.attempt`, `data.code` says why); messages
   * sent meanwhile are kept and delivered once connected. After a break, not
   * raised against a Python repod server.
   */
  Network_reconnecting?(data: ReconnectingEvent): void;
  /** The session resumed on a new connection: nothing was lost in either direction. */
  Network_reconnected?(data: ReconnectedEvent): void;
  /** Called with every message whose action has no `Network_<action>` handler. */
  networkReceived?(data: TIn | AnyMessage): void;

  /**
   * A handler threw during `pump()`: the listener's `Network_error` gets a
   * HANDLER_FAILED event at once and the pump goes on; pump() never throws.
   */
  private handlerFailed(error: RepodError): void {
    const event: ErrorEvent = { action: "error", code: error.code, message: error.message, error };
    this.connection.options.logger({ event: "error", code: error.code, message: error.message });
    if (error.action === "error") return; // Network_error itself threw: logged, not looped
    dispatch(this, event, (again) => this.connection.options.logger({ event: "error", code: again.code, message: again.message }));
  }
}
