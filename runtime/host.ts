/**
 * The seam between a Server and its channels, as small interfaces: neither
 * side imports the other's class.
 *
 * ```
 *  Channel ──this.server──▶ ChannelServer<TOut>   what a handler may ask (public, typed by the protocol)
 *  Channel ──host─────────▶ ChannelHost            what a channel tells its server (the runtime's wiring)
 *  Server, Roster, ServerSessions ──▶ Endpoint     what they need of a channel
 * ```
 *
 * A Server is a `ChannelServer` of its channels' messages; the `ChannelHost`
 * it gives its channels is a private object of its own, so the wiring is
 * not part of the public API.
 */
import type { Member, PresenceValue, PresenceView } from "./adapter/adapter.ts";
import type { RepodError } from "./errors.ts";
import type { Link } from "./link.ts";
import type { AnyMessage, Message } from "./protocol.ts";
import type { Transport } from "./transport/transport.ts";

/** Options of a send to many channels. */
export interface BroadcastOptions {
  /** A channel (or channel id) that must not receive it, typically the sender. @default undefined */
  except?: { readonly id: string } | string;
  /**
   * Only this process's channels, even with a shared adapter: for what each
   * server derives from its own view, such as a player list built in
   * `onPresence`, so that every client gets it from its own server in the
   * order of the changes.
   * @default false
   */
  local?: boolean;
}

/**
 * The server as its channels' handlers see it (`this.server`): sends typed
 * by the protocol's server messages, and presence. In a generated channel
 * `TOut` is the protocol's server message, so a wrong broadcast does not
 * compile. A subclass that needs its own server's members declares it:
 * `declare readonly server: MyServer`.
 */
export interface ChannelServer<TOut extends Message = AnyMessage> {
  /** The server's id, unique across processes; channel ids start with it. */
  readonly serverId: string;
  /** True between `start()` and `stop()`. */
  readonly isRunning: boolean;
  /** Sends one message to every connected channel (in every process, with a shared adapter). Encoded once. */
  sendToAll(message: TOut, options?: BroadcastOptions): void;
  /** Sends one message to every member of `group`. Encoded once. */
  sendToGroup(group: string, message: TOut, options?: BroadcastOptions): void;
  /** Sends one message to the channel with this id, in whatever process it lives. */
  sendTo(id: string, message: TOut): void;
  /** Number of members of `group`, or of all channels, across every process of the adapter. */
  count(group?: string): Promise<number>;
  /** Members of `group` (or everyone) across every process, with their presence. */
  members(group?: string): Promise<Member[]>;
  /** The population as this server knows it, at once (see the server's `onPresence`). */
  readonly presence: PresenceView;
}

/** What the server's parts (roster, sessions, hooks) need of a channel. Not for users. */
export interface Endpoint {
  readonly id: string;
  /** The conversation with the client. */
  readonly link: Link;
  readonly groups: ReadonlySet<string>;
  readonly presence: PresenceValue | undefined;
  /** Reports an error to the channel's `onError` and the server's logger; never throws. */
  report(error: RepodError): void;
  /** Empties the channel's groups for good (it is being released) and returns what they were. */
  takeGroups(): string[];
  /** The server messages the client's version of the protocol lacks; null when it reads them all (see compat/). */
  readonly peerUnread: ReadonlySet<string> | null;
  /** The fingerprint of the client's protocol, when it runs another version than the server. */
  readonly peerFingerprint: string | undefined;
}

/** What a channel tells the server that made it. Not for users: the server keeps it private. */
export interface ChannelHost {
  /** A channel's transport closed, for the server's bookkeeping and hooks. */
  transportClosed(channel: Endpoint, transport: Transport, error: RepodError | undefined): void;
  /** A control frame (heartbeat, resume) arrived on a channel. */
  control(channel: Endpoint, message: Message & Record<string, unknown>): void;
  /** A channel joined or left a group. */
  joined(channel: Endpoint, group: string): void;
  left(channel: Endpoint, group: string): void;
  /** A channel's presence changed. */
  presence(channel: Endpoint): void;
  /** A channel reports an error, for the server's logger and `onError`. */
  error(channel: Endpoint, error: RepodError): void;
  /** A channel's message was over its rate limit: the first of a run, or one too many (`closing`: close it). */
  rateLimited(channel: Endpoint, error: RepodError, closing: boolean): void;
}
