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

import type { PresenceValue } from "./adapter/adapter.ts";
import { DEFAULT_REQUEST_TIMEOUT_MS } from "./constants.ts";
import { handlerFailed } from "./dispatch.ts";
import { RepodError } from "./errors.ts";
import type { ChannelHost, ChannelServer } from "./host.ts";
import { Link, type LinkLimits, type LinkOwner } from "./link.ts";
import type { AnyMessage, Message, ProtocolDescriptor, Validator } from "./protocol.ts";
import { deliver, type RequestOptions, Requests, refuseInvalid } from "./requests.ts";
import type { Clock } from "./session/clock.ts";
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
  /** @internal set when the server authenticates clients: messages go to it until the channel is admitted. */
  readonly gate?: (channel: Channel<any, any, any, any>, message: Message, bytes: number) => void;
  /** Validators of the client's replies to this channel's requests, by action; null when validation is off. */
  readonly replies?: ReadonlyMap<string, Validator> | null;
  /** The default `timeoutMs` of `request()`. @default 10000 */
  readonly requestTimeoutMs?: number;
  /** @internal what request timeouts run on. @default the system clock */
  readonly clock?: Clock;
}

const NO_GROUPS: ReadonlySet<string> = new Set();

/** The options of a channel's requests: the same for every channel of a server, so kept once. */
interface RequestSettings {
  readonly replies: ReadonlyMap<string, Validator> | null;
  readonly timeoutMs: number;
  readonly clock: Clock | undefined;
}

/** The request settings last made for each host; a channel whose options are the same shares them. */
const settingsOf = new WeakMap<ChannelHost, RequestSettings>();

function requestSettings(host: ChannelHost, init: ChannelInit<any>): RequestSettings {
  const replies = init.replies ?? null;
  const timeoutMs = init.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const clock = init.clock;
  const last = settingsOf.get(host);
  if (last && last.replies === replies && last.timeoutMs === timeoutMs && last.clock === clock) return last;
  const settings: RequestSettings = { replies, timeoutMs, clock };
  settingsOf.set(host, settings);
  return settings;
}

/**
 * What a channel holds once it has talked with its client: made at its first
 * message, request or broken connection (an idle channel has none).
 */
class Conversation {
  /** Requests the channel asked its client, waiting for their answer; made at the first request (most channels never ask). */
  requests: Requests | undefined = undefined;
  /** Why the transport last closed, for the requests that are still waiting when the channel goes. */
  closeError: RepodError | undefined = undefined;

  constructor(
    /** Sends a message to the client (a request's answer). */
    readonly send: (message: Message) => number,
    /** The function handlers' errors go through. */
    readonly report: (error: RepodError) => void,
  ) {}
}

/**
 * What a channel's link reports to: one small object whose methods are
 * shared by every channel, rather than closures made per connection.
 */
class ChannelLink implements LinkOwner {
  private talk: Conversation | undefined = undefined;

  constructor(
    private readonly channel: Channel<any, any>,
    /** What the channel tells its server. */
    readonly host: ChannelHost,
    /** Request options, read when the first request is made. */
    readonly settings: RequestSettings,
  ) {}

  /** The channel's conversation, made when first needed. */
  get conversation(): Conversation {
    if (this.talk === undefined) {
      const channel = this.channel;
      const link = channel.link;
      this.talk = new Conversation(
        (message) => link.send(encodeFrame(message, link.limits.maxFrameBytes)),
        (error) => channel.report(error),
      );
    }
    return this.talk;
  }

  /** The requests waiting for an answer, if any were made. */
  get requests(): Requests | undefined {
    return this.talk?.requests;
  }

  /** Why the transport last closed, if it broke. */
  get closeError(): RepodError | undefined {
    return this.talk?.closeError;
  }

  /** Where messages go until the server has authenticated the client; null once admitted (or without authentication). */
  gate: ((channel: Channel<any, any, any, any>, message: Message, bytes: number) => void) | null = null;

  message(message: Message & Record<string, unknown>, bytes = 0): void {
    if (this.gate !== null) return this.gate(this.channel, message, bytes);
    const talk = this.conversation;
    deliver(this.channel, message, talk.requests, talk.send, talk.report);
  }

  control(message: Message & Record<string, unknown>): void {
    this.host.control(this.channel, message);
  }

  problem(error: RepodError): void {
    this.channel.report(error);
  }

  rateLimited(error: RepodError, closing: boolean): void {
    this.host.rateLimited(this.channel, error, closing);
  }

  invalidRequest(message: Message & Record<string, unknown>, problem: string): void {
    refuseInvalid(message, problem, this.conversation.send);
  }

  transportClosed(transport: Transport, error: RepodError | undefined): void {
    if (error !== undefined || this.talk !== undefined) this.conversation.closeError = error;
    if (this.channel.link.transport === null) this.channel.detached(transport);
    this.host.transportClosed(this.channel, transport, error);
  }
}

/** The class a server makes its channels from; `TOut` is what the server may send to them. */
export type ChannelClass<C, TOut extends Message = AnyMessage> = (new (
  init: ChannelInit<TOut>,
) => C) & {
  readonly protocol?: ProtocolDescriptor;
};

/**
 * The server's side of one client. `TOut` is what the server may send to
 * the client, `TIn` what the client may send, `TUser` who the client is (what
 * the server's `authenticate` returned), `TAuth` the credential it presents.
 */
export class Channel<TOut extends Message = AnyMessage, TIn extends Message = AnyMessage, TUser = unknown, TAuth = unknown> {
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
  /**
   * Who the client is: what the server's `authenticate` returned for its
   * credential, set before `onConnect` and kept across a resume. Undefined
   * on a server without `authenticate`.
   */
  user!: TUser;
  /**
   * The game's own state of this player: with cluster sessions (see the
   * README's "Deploys and crashes") it moves with the session to the server
   * the client resumes on, restored before `onResume`; nothing else of the
   * channel does. Generated channels type it by the protocol's `Session`.
   */
  declare session?: unknown;
  /** @internal the credential type of the protocol (`Auth`), for the server's `authenticate`; never set. */
  declare readonly authType?: TAuth;
  /** Null until the channel first joins a group: most never do, and an empty Set is not free. */
  private memberOf: Set<string> | null = null;
  /** The address of the last transport, kept once it closed (while one is attached, `addr` reads it). */
  private address: [string, number] | undefined = undefined;
  private presenceNow: PresenceValue | undefined;
  /** Set once the server has let the channel go: joins after that are ignored. */
  private released = false;
  /**
   * @internal the server messages the client's version of the protocol does
   * not have; null when it reads them all (same version, or an untyped peer).
   */
  peerUnread: ReadonlySet<string> | null = null;
  /** @internal the fingerprint of the client's protocol, when it runs another version than the server. */
  peerFingerprint: string | undefined;
  /** What the link reports to, and the channel's requests (an ES private field: no clash with a subclass's names). */
  readonly #owner: ChannelLink;

  constructor(init: ChannelInit<TOut>) {
    this.id = init.id;
    this.server = init.server;
    this.#owner = new ChannelLink(this, init.host, requestSettings(init.host, init));
    this.link = new Link(this.#owner, init.limits, init.validators);
    this.#owner.gate = init.gate ?? null;
  }

  /** `[host, port]` of the client, as repod's `addr`. */
  get addr(): [string, number] {
    const transport = this.link.transport;
    return transport ? [transport.remoteAddress, transport.remotePort] : (this.address ?? ["", 0]);
  }

  /** True while the client is connected (false while a session waits for resume, and after close). */
  get isConnected(): boolean {
    return this.link.isOpen;
  }

  /** Groups this channel is in. */
  get groups(): ReadonlySet<string> {
    return this.memberOf ?? NO_GROUPS;
  }

  /**
   * Whether the client reads messages of this action. Always true for a
   * client of the server's protocol version (and for Python repod peers);
   * false for a message its older or newer version does not have. Known
   * from `onConnect` on: a server with a versioned protocol admits a
   * connection once its client has said which version it runs (or after
   * 500 ms of silence: a Python repod peer, taken to speak the server's).
   *
   * @example
   * ```ts
   * if (channel.supports("emote")) channel.send({ action: "emote", name: "wave" });
   * ```
   */
  supports(action: TOut["action"]): boolean {
    return this.peerUnread === null || !this.peerUnread.has(action);
  }

  /**
   * Sends a message to this client. Returns the bytes queued, 0 when the
   * channel is closed. Throws `ENCODE_FAILED` for a value msgpack cannot
   * carry, `NOT_SUPPORTED` for a message the client's version of the
   * protocol does not have (see {@link supports}).
   */
  send(message: TOut): number {
    if (this.peerUnread?.has(message.action)) {
      throw new RepodError(
        "NOT_SUPPORTED",
        `the client's version of the protocol has no "${message.action}" message: check supports("${message.action}") before sending it`,
        { remote: this.link.remote, action: message.action },
      );
    }
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
    if (this.peerUnread?.has(action)) {
      return Promise.reject(
        new RepodError("NOT_SUPPORTED", `the client's version of the protocol has no "${action}" request: check supports("${action}") before asking it`, {
          remote: this.link.remote,
          action,
        }),
      );
    }
    const owner = this.#owner;
    const { replies, timeoutMs, clock } = owner.settings;
    const talk = owner.conversation;
    talk.requests ??= new Requests({ send: talk.send, remote: () => this.link.remote, replies, timeoutMs, clock });
    return talk.requests.ask(action, data, options);
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
    if (!this.released) this.#owner.host.presence(this);
  }

  /** Joins `group`: the server's `sendToGroup(group, …)` reaches this channel. Ignored once closed. */
  join(group: string): void {
    if (this.released || this.memberOf?.has(group)) return;
    (this.memberOf ??= new Set()).add(group);
    this.#owner.host.joined(this, group);
  }

  /** Leaves `group`. A channel leaves all its groups when it closes. */
  leave(group: string): void {
    if (!this.memberOf?.delete(group)) return;
    this.#owner.host.left(this, group);
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
    this.#owner.host.error(this, error);
    if (this.onError === undefined) return;
    try {
      this.onError(error);
    } catch (thrown) {
      this.#owner.host.error(this, handlerFailed("error", thrown, "onError"));
    }
  }

  /** @internal the channel is gone for good: its waiting requests fail with why its connection ended. */
  endRequests(): void {
    this.#owner.requests?.failAll(this.#owner.closeError);
  }

  /** @internal groups left on close, for the server's bookkeeping. */
  takeGroups(): string[] {
    this.released = true;
    const groups = this.memberOf ? [...this.memberOf] : [];
    this.memberOf = null;
    return groups;
  }

  /** @internal the server admitted the channel: its messages are dispatched from now on, starting with those that waited. */
  ungate(held: readonly Message[]): void {
    this.#owner.gate = null;
    for (const message of held) {
      if (this.released) return;
      this.#owner.message(message as Message & Record<string, unknown>);
    }
  }

  /** @internal a transport of this channel closed: `addr` goes on giving its address. */
  detached(transport: Transport): void {
    this.address = [transport.remoteAddress, transport.remotePort];
  }

  /** @internal attaches the client's transport; with `hold`, what is sent waits for `link.release()`. */
  attach(transport: Transport, hold = false): void {
    this.link.attach(transport, hold);
  }
}
