/**
 * A Channel is the server's side of one connected client, as in repod: the
 * server makes one per connection from its `channelClass`, and calls the
 * channel's `Network_<action>(message)` for each message that client sends,
 * in arrival order, or `networkReceived(message)` when there is no handler.
 *
 * @example
 * ```ts
 * class EchoChannel extends Channel {
 *   Network_echo(data: AnyMessage) {
 *     this.send({ action: "echo", text: data.text });
 *   }
 * }
 * ```
 *
 * Generated protocols give you `abstract class <Name>Channel extends
 * Channel<ServerMessage, ClientMessage>` whose handlers are abstract and whose
 * `send()` takes only messages the server may send.
 */
import { DEFAULT_REQUEST_TIMEOUT_MS } from "./constants.ts";
import type { RepodError } from "./errors.ts";
import { handlerFailed } from "./dispatch.ts";
import type { ChannelHost, ChannelServer } from "./host.ts";
import { Link, type LinkLimits, type LinkOwner } from "./link.ts";
import type { PresenceValue } from "./adapter/adapter.ts";
import type { AnyMessage, Message, ProtocolDescriptor, Validator } from "./protocol.ts";
import type { Clock } from "./session/clock.ts";
import { deliver, refuseInvalid, Requests, type RequestOptions } from "./requests.ts";
import type { Transport } from "./transport/transport.ts";
import { encodeFrame } from "./wire/codec.ts";

/**
 * What a server hands a channel it makes. Pass it on to `super()` if you
 * write a constructor. `TOut` is what the server may send.
 */
export interface ChannelInit<TOut extends Message = AnyMessage> {
  /** The server that accepted the connection, as the channel's handlers see it. */
  readonly server: ChannelServer<TOut>;
  /** The channel's id, unique across processes. */
  readonly id: string;
  /** @internal what the channel tells its server. */
  readonly host: ChannelHost;
  /** @internal */
  readonly limits: LinkLimits;
  /** @internal validators of incoming messages by action; null when validation is off. */
  readonly validators: ReadonlyMap<string, Validator> | null;
  /** Validators of the client's replies to this channel's requests, by action; null when validation is off. */
  readonly replies?: ReadonlyMap<string, Validator> | null;
  /** The default `timeoutMs` of `request()`. @default 10000 */
  readonly requestTimeoutMs?: number;
  /** @internal what request timeouts run on. @default the system clock */
  readonly clock?: Clock;
}

/** The class a server makes its channels from; `TOut` is what the server may send to them. */
export type ChannelClass<C, TOut extends Message = AnyMessage> = (new (init: ChannelInit<TOut>) => C) & {
  readonly protocol?: ProtocolDescriptor;
};

/**
 * The server's side of one client. `TOut` is what the server may send to
 * the client, `TIn` what the client may send.
 */
export class Channel<TOut extends Message = AnyMessage, TIn extends Message = AnyMessage> {
  /** The protocol a generated channel class speaks; untyped channels have none. */
  static readonly protocol?: ProtocolDescriptor;

  /** Unique across processes: `<server id>.<number>`. */
  readonly id: string;
  /**
   * The server that made this channel: `this.server.sendToAll(…)` takes only
   * messages the server may send. Declare your own server class to reach its
   * members: `declare readonly server: MyServer`.
   */
  readonly server: ChannelServer<TOut>;
  /** @internal the conversation with the client. */
  readonly link: Link;
  /** What the channel tells its server (an ES private field: no clash with a subclass's names). */
  readonly #host: ChannelHost;
  private readonly memberOf = new Set<string>();
  private address: [string, number] = ["", 0];
  private presenceNow: PresenceValue | undefined;
  /** Set once the server has let the channel go: joins after that are ignored. */
  private released = false;
  /** Requests this channel asked its client, waiting for their answer; made at the first request (most channels never ask). */
  #requests: Requests | undefined;
  /** What the server handed this channel: request options are read from it when the first request is made. */
  readonly #init: ChannelInit<TOut>;
  readonly #send: (message: Message) => number;
  /** Why the transport last closed, for the requests that are still waiting when the channel goes. */
  #closeError: RepodError | undefined;

  constructor(init: ChannelInit<TOut>) {
    this.id = init.id;
    this.server = init.server;
    const host = (this.#host = init.host);
    // One closure for the channel's life, not one per message.
    const report = (error: RepodError): void => this.report(error);
    const send = (message: Message): number => this.link.send(encodeFrame(message, this.link.limits.maxFrameBytes));
    this.#init = init;
    this.#send = send;
    const owner: LinkOwner = {
      message: (message) => deliver(this, message, this.#requests, send, report),
      control: (message) => host.control(this, message),
      problem: (error) => this.report(error),
      invalidRequest: (message, problem) => refuseInvalid(message, problem, send),
      transportClosed: (transport, error) => {
        this.#closeError = error;
        host.transportClosed(this, transport, error);
      },
    };
    this.link = new Link(owner, init.limits, init.validators);
  }

  /** `[host, port]` of the client, as repod's `addr`. */
  get addr(): [string, number] {
    const transport = this.link.transport;
    if (transport) this.address = [transport.remoteAddress, transport.remotePort];
    return this.address;
  }

  /** True while the client is connected (false while a session waits for resume, and after close). */
  get isConnected(): boolean {
    return this.link.isOpen;
  }

  /** Groups this channel is in. */
  get groups(): ReadonlySet<string> {
    return this.memberOf;
  }

  /**
   * Sends a message to this client. Returns the bytes queued, 0 when the
   * channel is closed. Throws `ENCODE_FAILED` for a value msgpack cannot carry.
   */
  send(message: TOut): number {
    return this.link.send(encodeFrame(message, this.link.limits.maxFrameBytes));
  }

  /**
   * Asks this client and resolves with its answer: the client's
   * `Request_<action>(data)` returns it (a Python client sends a `_reply`).
   * Rejects with a `RepodError`: REQUEST_FAILED (refused; `reason` says why),
   * REQUEST_TIMEOUT, ABORTED, INVALID_PAYLOAD (a reply that does not match
   * the protocol), or the code that ended the connection. A request waits
   * through a suspended session and is answered once after the resume.
   * Generated channels type it by the protocol's `ServerRequests`.
   */
  request(action: string, data?: object, options?: RequestOptions): Promise<unknown> {
    this.#requests ??= new Requests({
      send: this.#send,
      remote: () => this.link.remote,
      replies: this.#init.replies ?? null,
      timeoutMs: this.#init.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      clock: this.#init.clock,
    });
    return this.#requests.ask(action, data, options);
  }

  /** Sends what is queued, then closes the connection. */
  close(): void {
    this.link.close();
  }

  /**
   * What the other players may see of this channel (a nickname, a colour):
   * `server.members(group)` lists it, across processes with a shared adapter.
   */
  get presence(): PresenceValue | undefined {
    return this.presenceNow;
  }

  /** Sets {@link presence}; a JSON value, kept small (it is copied to every process that asks). */
  setPresence(value: PresenceValue | undefined): void {
    this.presenceNow = value;
    if (!this.released) this.#host.presence(this);
  }

  /** Joins `group`: the server's `sendToGroup(group, …)` reaches this channel. Ignored once closed. */
  join(group: string): void {
    if (this.released || this.memberOf.has(group)) return;
    this.memberOf.add(group);
    this.#host.joined(this, group);
  }

  /** Leaves `group`. A channel leaves all its groups when it closes. */
  leave(group: string): void {
    if (!this.memberOf.delete(group)) return;
    this.#host.left(this, group);
  }

  /** Called once the channel is connected and the greeting is sent. */
  onConnect?(): void;
  /** Called once when the connection has closed for good. */
  onClose?(): void;
  /**
   * Called with every error concerning this channel: bad input
   * (DECODE_FAILED, NOT_A_MESSAGE, INVALID_PAYLOAD), a handler that threw
   * (HANDLER_FAILED), SLOW_CONSUMER, TIMEOUT. Silent when not overridden
   * (the server's logger still sees them).
   */
  onError?(error: RepodError): void;
  /** Called when the connection broke and the session waits for the client to resume. */
  onSuspend?(): void;
  /** Called when the client resumed the session on a new connection. */
  onResume?(): void;
  /** Called with every message whose action has no `Network_<action>` handler. */
  networkReceived?(data: TIn | AnyMessage): void;

  /** @internal reports an error to `onError` and the server's logger; never throws. */
  report(error: RepodError): void {
    this.#host.error(this, error);
    if (this.onError === undefined) return;
    try {
      this.onError(error);
    } catch (thrown) {
      this.#host.error(this, handlerFailed("error", thrown, "onError"));
    }
  }

  /** @internal the channel is gone for good: its waiting requests fail with why its connection ended. */
  endRequests(): void {
    this.#requests?.failAll(this.#closeError);
  }

  /** @internal groups left on close, for the server's bookkeeping. */
  takeGroups(): string[] {
    this.released = true;
    const groups = [...this.memberOf];
    this.memberOf.clear();
    return groups;
  }

  /** @internal attaches the client's transport; with `hold`, what is sent waits for `link.release()`. */
  attach(transport: Transport, hold = false): void {
    this.address = [transport.remoteAddress, transport.remotePort];
    this.link.attach(transport, hold);
  }
}
