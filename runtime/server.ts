/**
 * The Server accepts connections and makes one {@link Channel} per client
 * from its `channelClass`, as repod's `Server` does. It greets each client
 * with `{"action": "connected"}` first, delivers sends to everyone, to a
 * group or to one channel through its adapter (encoding each message once),
 * and shuts down cleanly.
 *
 * @example
 * ```ts
 * class EchoChannel extends Channel {
 *   Network_echo(data: AnyMessage) { this.send(data); }
 * }
 * class EchoServer extends Server<EchoChannel> {
 *   override onConnect(channel: EchoChannel, addr: [string, number]) { console.log("hello", addr); }
 * }
 * const server = new EchoServer({ channelClass: EchoChannel, port: 0 });
 * await server.start();
 * console.log(server.address.port);
 * ```
 */
import { randomBytes } from "node:crypto";
import type { Adapter, AdapterHost, Delivery, Member, PresenceChange, PresenceValue, PresenceView } from "./adapter/adapter.ts";
import { LocalAdapter } from "./adapter/local.ts";
import { type AuthInfo, Gate, type Refusal } from "./auth/gate.ts";
import { Channel, type ChannelClass, type ChannelInit } from "./channel.ts";
import { type Agreement, agree, isSchema } from "./compat/agree.ts";
import type { ProtocolSchema } from "./compat/schema.ts";
import {
  DEFAULT_AUTH_TIMEOUT_MS,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_HOST,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_MAX_RETAINED_BYTES,
  DEFAULT_PORT,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_RESUME_WINDOW_MS,
  DEFAULT_STOP_GRACE_MS,
  DEFAULT_TIMEOUT_MS,
} from "./constants.ts";
import { handlerFailed } from "./dispatch.ts";
import { RepodError } from "./errors.ts";
import type { BroadcastOptions, ChannelHost, ChannelServer } from "./host.ts";
import { Inspector, type InspectorOptions } from "./inspector/inspector.ts";
import { type RateLimitOptions, rateSettings } from "./limits/rate-limiter.ts";
import type { LinkLimits } from "./link.ts";
import { type Logger, silentLogger } from "./logging.ts";
import type { AnyMessage, Message, Validator } from "./protocol.ts";
import { actionOf, Roster } from "./roster.ts";
import { type Clock, systemClock } from "./session/clock.ts";
import { ERROR, FEATURE_COMPAT, HELLO, MISMATCH, PROTOCOL } from "./session/control.ts";
import { ServerSessions } from "./session/server-sessions.ts";
import type { SessionSnapshot } from "./session/snapshot.ts";
import { type Acceptor, listenTcp } from "./transport/tcp.ts";
import type { Transport } from "./transport/transport.ts";
import { remoteOf } from "./transport/transport.ts";
import { listenWebSocket, type WebSocketAcceptor, type WebSocketListen, type WebSocketOptions, withWebSocketDefaults } from "./transport/websocket-server.ts";
import { decodePayload, encodeFrame, encodePayload } from "./wire/codec.ts";

/**
 * What a channel class `C` may send: the `TOut` of `Channel<TOut, TIn>`;
 * any message for `Server<any>` (what `channel.server` is), so that
 * `this.server.sendToGroup(…)` compiles inside any channel.
 */
// Inferred from send() alone: matching the whole Channel type would recurse through
// a channel whose `server` is typed as its own server class.
export type OutOf<C> = 0 extends 1 & C ? AnyMessage : C extends { send(message: infer TOut): number } ? TOut : never;

/** Who a client of channel class `C` is: the `TUser` of `Channel<TOut, TIn, TUser>`, what `authenticate` returns. */
export type UserOf<C> = C extends { user: infer U } ? U : unknown;

/** What a client of channel class `C` presents to join: the protocol's `Auth` (the `TAuth` of a generated channel). */
export type AuthOf<C> = C extends { authType?: infer A } ? (unknown extends A ? unknown : Exclude<A, undefined>) : unknown;

/** Options of a {@link Server}; every one has a default. */
export interface ServerOptions<C extends Channel<any, any>> {
  /** The class each client's channel is made from. @default Channel (every message goes to networkReceived) */
  channelClass?: ChannelClass<C, OutOf<C>>;
  /** Address to listen on. @default "127.0.0.1" */
  host?: string;
  /** Port to listen on; 0 picks a free one (read it from `server.address`). @default 5071 */
  port?: number;
  /** Listen for TCP connections (Node and Python repod clients) on `host:port`; false for WebSocket only. @default true */
  tcp?: boolean;
  /**
   * Also accept WebSocket connections (browsers): on a port of their own, or
   * on an HTTP server of yours. Channels of both transports are one population.
   * @default undefined (no WebSocket)
   */
  websocket?: WebSocketOptions;
  /** Largest payload a client may send; a longer frame closes its connection with FRAME_TOO_LARGE. @default 1048576 (1 MiB) */
  maxFrameBytes?: number;
  /** Bytes that may wait for a slow client before it is closed with SLOW_CONSUMER. @default 8388608 (8 MiB) */
  maxBufferedBytes?: number;
  /** Check every incoming message against the protocol before dispatch; turn off only for trusted peers. @default true */
  validate?: boolean;
  /** How long `stop()` lets channels flush before cutting them off. @default 2000 */
  stopGraceMs?: number;
  /** Receives structured events (connect, disconnect, error). @default silent */
  logger?: Logger;
  /** Carries sends and presence between processes. @default new LocalAdapter() (one process) */
  adapter?: Adapter;
  /**
   * How often the server and our clients exchange a heartbeat (which also
   * acknowledges frames, so less is kept for resume); 0 turns it off.
   * Python repod clients never get one. Our clients follow the server's numbers.
   * @default 2500
   */
  heartbeatIntervalMs?: number;
  /**
   * A client of ours silent this long is closed with TIMEOUT (and its session
   * suspended); found within `timeoutMs + heartbeatIntervalMs`.
   * @default 7500
   */
  timeoutMs?: number;
  /**
   * How long the session of a broken connection waits for its client to come
   * back and resume it — same Channel, nothing lost; 0 turns resume off.
   * @default 30000
   */
  resumeWindowMs?: number;
  /**
   * Bytes of sent frames kept per channel until its client acknowledges them.
   * Past it the session can no longer resume; a suspended one ends.
   * @default 1048576 (1 MiB)
   */
  maxRetainedBytes?: number;
  /**
   * With `authenticate`: how long a client has, from its connection, to
   * present a credential and be accepted; past it, it is refused with
   * AUTH_FAILED and closed.
   * @default 10000
   */
  authTimeoutMs?: number;
  /**
   * With `authenticate`: the action whose first message is the credential of
   * a client that presents none at connect (a Python repod client, which
   * sends it after `connected`). Its fields are handed to `authenticate`;
   * the message itself is not dispatched. Without it, such clients are refused.
   * @default undefined (only a credential given to connect() is accepted)
   */
  authAction?: string;
  /**
   * Serves the inspector: a page on a port of its own showing channels,
   * groups, traffic per action, errors and recent messages live (see the
   * README's "Inspector and playground"). Nothing is shown without the token.
   * @default undefined (no inspector)
   */
  inspector?: InspectorOptions;
  /** How long `channel.request()` waits for the client's answer before REQUEST_TIMEOUT, unless the call says; 0 waits as long as the channel lives. @default 10000 */
  requestTimeoutMs?: number;
  /**
   * Each client's budget: messages per second (a token bucket: `perSecond`
   * and `burst`) shared by actions without their own, bytes per second, and
   * per-action budgets over the protocol file's `@rateLimit`s. A message over
   * budget is not dispatched (RATE_LIMITED); a client that keeps at it is
   * closed. `false` turns limits off. See the README's "Rate limits".
   * @default { messages: { perSecond: 1000, burst: 5000 }, bytes: { perSecond: 1048576, burst: 4194304 }, actions: {}, closeAfter: 200 }
   */
  rateLimit?: RateLimitOptions | false;
  /** @internal what the heartbeat and session timers run on; tests move it by hand. @default the system clock */
  clock?: Clock;
}

/** Options after defaults. */
type Settings = Required<Omit<ServerOptions<any>, "channelClass" | "adapter" | "websocket" | "inspector" | "clock" | "authAction" | "rateLimit">> & {
  websocket: WebSocketListen | undefined;
  authAction: string | undefined;
};

export class Server<C extends Channel<any, any> = Channel> implements ChannelServer<OutOf<C>> {
  /** The class each client's channel is made from; a subclass may set it as a field, as in repod. */
  channelClass: ChannelClass<C, OutOf<C>>;
  /** Every channel: connected, or suspended while its client may still resume (see `isConnected`). */
  readonly channels: Set<C>;
  /** This server's id, unique across processes; channel ids start with it. */
  readonly serverId = randomBytes(6).toString("hex");
  readonly options: Readonly<Settings>;
  readonly adapter: Adapter;
  protected readonly logger: Logger;

  private readonly roster = new Roster<C>();
  /** What this server's channels tell it: private, so the wiring is no part of the API (see host.ts). */
  private readonly channelHost: ChannelHost = {
    transportClosed: (channel, transport, error) => this.channelTransportClosed(channel as C, transport, error),
    control: (channel, message) => this.channelControl(channel as C, message),
    joined: (channel, group) => {
      // Not accepted yet (see admit) or already released: nothing to tell the adapter.
      if (this.roster.join(channel as C, group)) this.adapter.memberChanged(channel.id);
    },
    left: (channel, group) => {
      if (this.roster.leave(channel as C, group)) this.adapter.memberChanged(channel.id);
    },
    presence: (channel) => {
      if (this.roster.has(channel as C)) this.adapter.memberChanged(channel.id);
    },
    error: (channel, error) => this.channelError(channel as C, error),
    rateLimited: (channel, error, closing) => this.rateLimited(channel as C, error, closing),
  };
  /** What the adapter may ask of this server. */
  private readonly adapterHost: AdapterHost = {
    serverId: this.serverId,
    deliverLocal: (frame, delivery, skip) => this.roster.deliver(frame, delivery, skip),
    localCount: (group) => this.roster.count(group),
    localIds: (group) => this.roster.ids(group),
    localMember: (id) => this.roster.member(id),
    presenceAnnounced: (change) => this.presenceAnnounced(change),
    log: (event) => this.logger(event),
    reportError: (error) => this.reportError(error),
  };
  private acceptors: Acceptor[] = [];
  private websocketAcceptor: WebSocketAcceptor | undefined;
  private bound: { host: string; port: number } | undefined;
  private nextId = 0;
  private state: "new" | "starting" | "running" | "stopping" | "stopped" = "new";
  private validators: ReadonlyMap<string, Validator> | null | undefined;
  /** Every channel's limits, rate limits included: one object shared by all. */
  private limits: LinkLimits | undefined;
  /** What the session timers and request timeouts run on. */
  private readonly clock: Clock | undefined;
  private replies: ReadonlyMap<string, Validator> | null | undefined;
  private stopped!: Promise<void>;
  private markStopped!: () => void;
  /** Heartbeat and resume for our clients, and the wait for a client to say what it is; null when none is needed (see start). */
  private sessions: ServerSessions<C> | null = null;
  private readonly sessionKeeper: ServerSessions<C>;
  /** The protocol has versions (a schema): a connection is admitted once its client has said which version it speaks. */
  private versioned = false;
  /** Authentication before admission; null without an `authenticate` hook. */
  private gate: Gate<C> | null = null;
  private readonly rateLimit: RateLimitOptions | false;
  private readonly inspectorOptions: InspectorOptions | undefined;
  /** The running inspector, when the server has one. */
  private inspector: Inspector | null = null;

  constructor(options: ServerOptions<C> = {}) {
    this.channels = this.roster.channels;
    this.channelClass = options.channelClass ?? (Channel as unknown as ChannelClass<C, OutOf<C>>);
    this.clock = options.clock;
    this.rateLimit = options.rateLimit ?? {};
    this.adapter = options.adapter ?? new LocalAdapter();
    this.logger = options.logger ?? silentLogger;
    this.options = {
      host: options.host ?? DEFAULT_HOST,
      port: options.port ?? DEFAULT_PORT,
      maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      maxBufferedBytes: options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
      validate: options.validate ?? true,
      tcp: options.tcp ?? true,
      websocket: options.websocket && withWebSocketDefaults(options.websocket, options.host ?? DEFAULT_HOST, options.port ?? DEFAULT_PORT, options.tcp ?? true),
      stopGraceMs: options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS,
      logger: this.logger,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      resumeWindowMs: options.resumeWindowMs ?? DEFAULT_RESUME_WINDOW_MS,
      maxRetainedBytes: options.maxRetainedBytes ?? DEFAULT_MAX_RETAINED_BYTES,
      authTimeoutMs: options.authTimeoutMs ?? DEFAULT_AUTH_TIMEOUT_MS,
      authAction: options.authAction,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    };
    const server = this;
    const sessions = new ServerSessions<C>(
      {
        get isRunning() {
          return server.state === "running";
        },
        fingerprintOf: (channel) => channel.peerFingerprint ?? server.channelClass.protocol?.fingerprint,
        logger: this.logger,
        admit: (channel) => this.admit(channel),
        release: (channel) => this.release(channel),
        dropped: (channel) => {
          this.gate?.forget(channel);
          this.roster.remove(channel);
        },
        suspended: (channel) => {
          this.callHook(channel, "onSuspend", () => channel.onSuspend?.());
          this.callHook(channel, "onSuspend", () => this.onSuspend(channel));
        },
        resumed: (channel) => {
          this.callHook(channel, "onResume", () => channel.onResume?.());
          this.callHook(channel, "onResume", () => this.onResume(channel));
        },
        needsSchema: (fingerprint) => this.versioned && fingerprint !== this.channelClass.protocol?.fingerprint && !this.versions.has(fingerprint),
        learnSchema: (fingerprint, bytes) => this.learnSchema(fingerprint, bytes),
        checkArrival: (snapshot) => this.checkArrival(snapshot),
        restore: (snapshot) => this.restore(snapshot),
        arrived: (channel, snapshot) => this.arrived(channel, snapshot),
        departed: (channel) => {
          this.gate?.forget(channel);
          this.roster.remove(channel);
          channel.link.close(); // later sends from the game go nowhere: the session lives on elsewhere
          channel.endRequests(); // its requests cannot be answered here any more
        },
      },
      this.options,
      options.clock,
    );
    this.sessionKeeper = sessions;
    this.inspectorOptions = options.inspector;
    this.resetStopped();
  }

  /** Where the server listens (the real port when 0 was asked). Throws before `start()`. */
  get address(): { host: string; port: number } {
    if (!this.bound) throw new Error("the server is not started: call start() first");
    return this.bound;
  }

  /** Where WebSocket clients connect (`ws://host:port/path`), when the server accepts WebSocket. */
  get websocketAddress(): { host: string; port: number; url: string } | undefined {
    const acceptor = this.websocketAcceptor;
    return acceptor && { ...acceptor.address, url: acceptor.url };
  }

  /** `http://host:port/` of the inspector's page, when the server has one and is running. */
  get inspectorUrl(): string | undefined {
    return this.inspector?.url;
  }

  /** True between `start()` and `stop()`. */
  get isRunning(): boolean {
    return this.state === "running";
  }

  /** Starts listening. Resolves once connections are accepted. */
  async start(): Promise<void> {
    if (this.state !== "new" && this.state !== "stopped") throw new Error(`the server is ${this.state}`);
    this.state = "starting";
    if (this.acceptors.length === 0) this.resetStopped();
    const { host, port, maxFrameBytes } = this.options;
    this.gate = typeof this.authenticate === "function" ? this.makeGate() : null;
    // Known now, not in the constructor: a subclass may set `channelClass` as a field.
    this.versioned = this.channelClass.protocol?.schema !== undefined;
    this.sessions = this.sessionKeeper.enabled || this.versioned ? this.sessionKeeper : null;
    try {
      await this.adapter.init(this.adapterHost);
      if (this.adapter.sessions) {
        this.sessions?.useStore(this.adapter.sessions);
        const protocol = this.channelClass.protocol;
        if (protocol?.schema !== undefined) this.adapter.sessions.saveSchema?.(protocol.fingerprint, encodePayload(protocol.schema));
      }
      const accept = (transport: Transport): void => this.accept(transport);
      if (this.options.tcp) this.acceptors.push(await listenTcp(host, port, maxFrameBytes, accept));
      if (this.options.websocket) {
        this.websocketAcceptor = await listenWebSocket(this.options.websocket, maxFrameBytes, accept);
        this.acceptors.push(this.websocketAcceptor);
      }
      if (this.acceptors.length === 0) throw new Error("nothing to listen on: tcp is false and no websocket is given");
      if (this.inspectorOptions) this.inspector = await Inspector.start(this, this.inspectorOptions, this.clock, this.websocketAcceptor);
    } catch (error) {
      this.state = "stopped";
      for (const acceptor of this.acceptors) await acceptor.close();
      this.acceptors = [];
      throw error;
    }
    this.bound = this.acceptors[0]!.address;
    this.state = "running";
    this.logger({ event: "listen", ...this.bound });
  }

  /** Starts if needed; resolves when the server has stopped. */
  async run(): Promise<void> {
    if (this.state === "new" || this.state === "stopped") await this.start();
    await this.stopped;
  }

  /**
   * Starts (unless started), then runs until SIGINT or SIGTERM, which stop it cleanly (queued
   * frames are flushed within `stopGraceMs`). Resolves when stopped.
   */
  async launch(): Promise<void> {
    if (this.state === "new" || this.state === "stopped") await this.start();
    const onSignal = (): void => void this.stop();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
      await this.stopped;
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  }

  /**
   * Stops accepting, closes every channel after flushing what it has queued
   * (cutting off those that take longer than `stopGraceMs`), then resolves.
   */
  async stop(): Promise<void> {
    if (this.state === "stopping") return this.stopped;
    if (this.state !== "running" && this.state !== "starting") return;
    this.state = "stopping";
    const acceptors = this.acceptors;
    this.acceptors = [];
    await Promise.all(acceptors.map((acceptor) => acceptor.close()));
    // Cluster sessions: the sessions of our clients go to the cluster, and their clients to another server.
    await this.sessions?.handOver();
    // Channels still waiting to be admitted were greeted: what they were sent since leaves before the end.
    const pending = this.roster.pendingChannels();
    // Suspended sessions end now: this server will not be there for their clients to resume.
    this.sessions?.stop();
    // Connections still being authenticated are no channels of the server yet: they end now.
    for (const channel of this.gate?.clear() ?? []) channel.link.transport?.destroy();
    const inspector = this.inspector;
    this.inspector = null;
    await inspector?.close();
    const closers = new Map<C, () => void>();
    this.onChannelGone = (channel) => closers.get(channel)?.();
    for (const channel of pending) {
      if (channel.link.transport) for (const frame of this.heldFor(channel)) channel.link.write(frame);
    }
    const ending = [...this.channels, ...pending];
    const closing = ending.map(
      (channel) =>
        new Promise<void>((resolve) => {
          closers.set(channel, resolve);
          channel.link.close();
          if (!channel.link.transport) resolve();
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(closing), new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.stopGraceMs)))]);
    clearTimeout(timer);
    for (const channel of ending) channel.link.transport?.destroy();
    // Sessions handed over leave this server's presence once taken elsewhere: other players see no one leave.
    await this.adapter.sessions?.taken(this.options.stopGraceMs);
    await this.adapter.close();
    this.state = "stopped";
    this.logger({ event: "stop" });
    this.markStopped();
  }

  // ---- sending -------------------------------------------------------------

  /** Sends one message to every connected channel (in every process, with a shared adapter). Encoded once. */
  sendToAll(message: OutOf<C>, options?: BroadcastOptions): void {
    this.publish(message, { audience: { to: "all" }, except: exceptId(options) }, options?.local);
  }

  /** Sends one message to every member of `group`. Encoded once. */
  sendToGroup(group: string, message: OutOf<C>, options?: BroadcastOptions): void {
    this.publish(message, { audience: { to: "group", group }, except: exceptId(options) }, options?.local);
  }

  /** Sends one message to the channel with this id, in whatever process it lives. */
  sendTo(id: string, message: OutOf<C>): void {
    this.publish(message, { audience: { to: "channel", id } });
  }

  /**
   * Number of members of `group`, or of all connected channels, across every
   * process of the adapter, including every change made anywhere before the
   * call (this server's own too). Rejects with ADAPTER_FAILED when a shared
   * adapter cannot tell (Redis unreachable).
   */
  count(group?: string): Promise<number> {
    return this.adapter.count(group);
  }

  /**
   * Members of `group` (or everyone) across every process of the adapter, with
   * what each set with `channel.setPresence()`, as up to date as `count()`.
   * Rejects with ADAPTER_FAILED when a shared adapter cannot tell.
   */
  members(group?: string): Promise<Member[]> {
    return this.adapter.members(group);
  }

  /**
   * The population as this server knows it, at once: changed only by the
   * changes `onPresence` announces, so that inside `onPresence(change)` it is
   * the state right after `change`, the same on every server. Build what
   * players see of each other (a player list) from it there.
   */
  get presence(): PresenceView {
    return this.adapter.presence;
  }

  /** The local channel with this id. */
  channel(id: string): C | undefined {
    return this.roster.get(id);
  }

  private publish(message: Message, delivery: Delivery, local = false): void {
    const frame = encodeFrame(message, this.options.maxFrameBytes);
    // The action rides along so that channels whose client lacks it are skipped (see roster.ts).
    const withAction: Delivery = { ...delivery, action: message.action };
    if (local) this.roster.deliver(frame, withAction);
    else this.adapter.publish(frame, withAction);
  }

  // ---- hooks -----------------------------------------------------------------

  /** Called when a client has connected and its channel is ready (repod's `on_connect`). */
  onConnect(_channel: C, _addr: [string, number]): void {}
  /** Called when a client's connection has closed for good (repod's `on_disconnect`). */
  onDisconnect(_channel: C): void {}
  /** Called when a client's connection broke and its session waits for it to resume (our clients only). */
  onSuspend(_channel: C): void {}
  /** Called when a client resumed its session on a new connection: the same channel, nothing lost. */
  onResume(_channel: C): void {}
  /**
   * Called when the population changed — a channel here or on another server
   * connected, left, joined or left a group, or set its presence — once
   * `presence` shows it. Every server gets the same changes in the same
   * order (see `change.version`), so a list built here from `presence` and
   * sent to this server's channels (`{ local: true }`) ends the same on every
   * client. Changes made in one handler come as one.
   */
  onPresence(_change: PresenceChange): void {}
  /** Called with every error: each channel's (also given to its `onError`) and the server's own (ADAPTER_FAILED). */
  onError(_error: RepodError, _channel?: C): void {}

  /**
   * Define it to require a credential before a client is admitted: it gets
   * what the client presented (checked against the protocol's `Auth` first)
   * and returns who the client is — `channel.user` from then on, in every
   * handler, kept across a resume — or `refuse(reason)`: the client gets
   * AUTH_FAILED with that reason and is closed, with no `onConnect`. May be
   * async; other clients go on meanwhile. See the README's "Authentication".
   */
  authenticate?(auth: AuthOf<C>, info: AuthInfo): UserOf<C> | Refusal | Promise<UserOf<C> | Refusal>;

  // ---- accepting ---------------------------------------------------------------

  /** Makes a channel for a newly accepted transport: greeting first, then the hooks. */
  protected accept(transport: Transport): void {
    if (this.state !== "running") {
      transport.destroy();
      return;
    }
    const channelClass = this.channelClass;
    const init: ChannelInit<OutOf<C>> = {
      server: this,
      host: this.channelHost,
      id: `${this.serverId}.${(++this.nextId).toString(36)}`,
      limits: (this.limits ??= this.linkLimits()),
      validators: this.validatorsOf(channelClass),
      ...(this.gate ? { gate: this.gateMessage } : {}),
      replies: this.repliesOf(channelClass),
      requestTimeoutMs: this.options.requestTimeoutMs,
      clock: this.clock,
    };
    let channel: C;
    try {
      channel = new channelClass(init);
    } catch (error) {
      transport.destroy();
      this.reportError(handlerFailed("connect", error, `new ${channelClass.name}()`));
      return;
    }
    const greeting = this.greeting(channel);
    if (this.gate) {
      greeting.auth = true;
      this.gate.start(channel);
    }
    // A channel may have to wait until its connection says whether it resumes another (see session/).
    // Meanwhile it is a member of deliveries, and its link holds what they send it until it is admitted.
    // A channel that must first be authenticated is sent nothing before it is: it waits outside the deliveries.
    // With a versioned protocol, every channel waits: onConnect must know which version its client speaks.
    const waits = this.sessions?.accepted(channel, greeting, this.versioned) ?? false;
    // Clients of another version of the protocol may send their schema to be judged (`_protocol`).
    if (channelClass.protocol?.schema !== undefined) greeting.features = [...((greeting.features as string[] | undefined) ?? []), FEATURE_COMPAT];
    const pending = waits && this.gate === null;
    if (pending) this.roster.addPending(channel);
    channel.attach(transport, pending);
    channel.link.sendControl(encodeFrame(greeting));
    if (!waits) this.admit(channel);
  }

  /** The connection is not a resume of another: admitted now, or once authenticated. */
  private admit(channel: C): void {
    if (this.gate?.has(channel)) this.gate.settle(channel);
    else this.enter(channel);
  }

  /** Makes an accepted channel one of the server's: bookkeeping, then the hooks. Returns false when it is too late. */
  private enter(channel: C): boolean {
    const transport = channel.link.transport;
    if (this.state !== "running" || transport === null) {
      // Too late (the server stops) or gone: a pending channel is let go unadmitted.
      this.roster.remove(channel);
      transport?.destroy();
      return false;
    }
    this.roster.add(channel);
    if (this.inspector !== null) this.inspector.admitted(channel);
    // What was sent to it while it waited (see accept) leaves first, in order.
    for (const frame of this.heldFor(channel)) channel.link.write(frame);
    this.adapter.memberChanged(channel.id);
    // Groups joined in the channel's constructor count from now on.
    for (const group of channel.groups) this.channelHost.joined(channel, group);
    this.logger({ event: "connect", id: channel.id, remote: remoteOf(transport) });
    this.callHook(channel, "onConnect", () => channel.onConnect?.());
    this.callHook(channel, "onConnect", () => this.onConnect(channel, channel.addr));
    return true;
  }

  /**
   * Cluster sessions: what this server found of each other version of its
   * protocol it met (by fingerprint): the messages of its own that a client
   * of that version cannot read, or why the two cannot talk.
   */
  private readonly versions = new Map<string, ReadonlySet<string> | null | string>();

  /** The verdict on a client's schema (see judge): what of ours it cannot read, or why the versions cannot talk. Kept by fingerprint. */
  private verdictOn(fingerprint: string, schema: unknown): { unread: string[]; theirsUnread: string[] } | string {
    const protocol = this.channelClass.protocol;
    let verdict: Agreement | string;
    if (protocol?.schema === undefined) verdict = "this server has no schema to compare with";
    else if (!isSchema(schema)) verdict = "the client's `_protocol` has no fingerprint or no schema";
    else verdict = agree(protocol.schema, schema);
    if (typeof verdict === "string") {
      this.versions.set(fingerprint, verdict);
      return verdict;
    }
    const clientReads = new Set(verdict.clientReads);
    const serverReads = new Set(verdict.serverReads);
    // Messages and requests (one action is never both on one side): what the other side does not know is never sent to it.
    const ours = protocol!.schema!;
    const unread = [...Object.keys(ours.server), ...Object.keys(ours.serverRequests ?? {})].filter((action) => !clientReads.has(action));
    const theirs = schema as ProtocolSchema;
    const theirsUnread = [...Object.keys(theirs.client), ...Object.keys(theirs.clientRequests ?? {})].filter((action) => !serverReads.has(action));
    if (!this.versions.has(fingerprint)) this.adapter.sessions?.saveSchema?.(fingerprint, encodePayload(schema));
    this.versions.set(fingerprint, unread.length > 0 ? new Set(unread) : null);
    return { unread, theirsUnread };
  }

  /** Cluster sessions: the schema the cluster keeps of version `fingerprint` (null: none). */
  private learnSchema(fingerprint: string, bytes: Uint8Array | null): void {
    if (bytes === null) return;
    let schema: unknown;
    try {
      schema = decodePayload(bytes);
    } catch {
      return;
    }
    this.verdictOn(fingerprint, schema);
  }

  /** Cluster sessions: why a session saved by another server cannot go on here (its `Session` state does not fit this protocol), or undefined. */
  private checkArrival(snapshot: SessionSnapshot): string | undefined {
    const ours = this.channelClass.protocol?.fingerprint;
    if (snapshot.fingerprint !== undefined && snapshot.fingerprint !== ours) {
      const known = this.versions.get(snapshot.fingerprint);
      if (known === undefined) return `its client speaks version ${snapshot.fingerprint} of the protocol, whose schema this server does not know`;
      if (typeof known === "string") return `its client's version of the protocol cannot talk with this server's: ${known}`;
    }
    const validate = this.options.validate ? this.channelClass.protocol?.session : undefined;
    if (validate === undefined || snapshot.state === undefined) return undefined;
    const state = snapshot.state;
    const problem = state === null || typeof state !== "object" || Array.isArray(state) ? "not an object" : validate(state as Record<string, unknown>);
    return problem === undefined ? undefined : `its Session state does not fit this server's protocol: ${problem}`;
  }

  /** Cluster sessions: the channel of a session saved by another server, with its id, user, state and client version. */
  private restore(snapshot: SessionSnapshot): C | string {
    const channelClass = this.channelClass;
    const init: ChannelInit<OutOf<C>> = {
      server: this,
      host: this.channelHost,
      id: snapshot.id,
      limits: (this.limits ??= this.linkLimits()),
      validators: this.validatorsOf(channelClass),
      replies: this.repliesOf(channelClass),
      requestTimeoutMs: this.options.requestTimeoutMs,
      clock: this.clock,
    };
    let channel: C;
    try {
      channel = new channelClass(init);
    } catch (error) {
      this.reportError(handlerFailed("connect", error, `new ${channelClass.name}()`));
      return `this server could not make its channel: ${(error as Error).message}`;
    }
    channel.user = snapshot.user as C["user"];
    if (snapshot.state !== undefined) channel.session = snapshot.state;
    // The client's version, judged by this server (checkArrival made sure it can): what of ours it cannot read.
    const fingerprint = snapshot.fingerprint;
    const known = fingerprint === undefined ? undefined : this.versions.get(fingerprint);
    if (fingerprint === undefined || fingerprint === this.channelClass.protocol?.fingerprint) {
      channel.peerFingerprint = undefined;
      channel.peerUnread = null;
    } else if (known !== undefined && typeof known !== "string") {
      channel.peerFingerprint = fingerprint;
      channel.peerUnread = known;
    } else {
      channel.peerFingerprint = fingerprint;
      channel.peerUnread = snapshot.unread !== undefined && snapshot.unread.length > 0 ? new Set(snapshot.unread) : null;
    }
    return channel;
  }

  /** Cluster sessions: a restored channel becomes one of this server's, as it was (no onConnect: its `onResume` follows). */
  private arrived(channel: C, snapshot: SessionSnapshot): void {
    this.roster.add(channel);
    if (this.inspector !== null) this.inspector.admitted(channel);
    for (const group of snapshot.groups) channel.join(group);
    if (snapshot.presence !== undefined) channel.setPresence(snapshot.presence as PresenceValue);
    this.adapter.memberChanged(channel.id);
  }

  /**
   * What a waiting channel was sent, to send now: broadcasts reached it
   * before its client said which version it speaks, so those that version
   * does not read stay behind (as never sent: they are not counted).
   */
  private heldFor(channel: C): Uint8Array[] {
    const lacks = channel.peerUnread;
    return lacks === null ? channel.link.release() : channel.link.releaseOnly((frame) => !lacks.has(actionOf(frame)));
  }

  /** The first frame every client receives. Python repod clients read only `action`. */
  protected greeting(channel: C): Message & Record<string, unknown> {
    const protocol = this.channelClass.protocol;
    return protocol
      ? { action: "connected", id: channel.id, protocol: protocol.name, fingerprint: protocol.fingerprint }
      : { action: "connected", id: channel.id };
  }

  private validatorsOf(channelClass: ChannelClass<C, OutOf<C>>): ReadonlyMap<string, Validator> | null {
    if (this.validators === undefined) {
      const protocol = channelClass.protocol;
      this.validators = this.options.validate && protocol ? new Map(Object.entries(protocol.client)) : null;
    }
    return this.validators;
  }

  private repliesOf(channelClass: ChannelClass<C>): ReadonlyMap<string, Validator> | null {
    if (this.replies === undefined) {
      const replies = channelClass.protocol?.replies?.server;
      this.replies = this.options.validate && replies ? new Map(Object.entries(replies)) : null;
    }
    return this.replies;
  }

  private callHook(channel: C, hook: string, call: () => void): void {
    try {
      call();
    } catch (error) {
      channel.report(handlerFailed(hook, error, hook));
    }
  }

  /** Removes a channel for good: groups, bookkeeping, hooks. */
  protected release(channel: C): void {
    this.gate?.forget(channel);
    channel.link.disposeLimiter();
    if (this.roster.remove(channel) === null) {
      this.onChannelGone?.(channel); // one never admitted, ended by stop()
      return;
    }
    channel.link.close(); // later sends return 0
    channel.endRequests();
    this.sessions?.released(channel);
    this.adapter.memberChanged(channel.id);
    this.logger({ event: "disconnect", id: channel.id });
    this.callHook(channel, "onClose", () => channel.onClose?.());
    this.callHook(channel, "onDisconnect", () => this.onDisconnect(channel));
    this.onChannelGone?.(channel);
  }

  private onChannelGone: ((channel: C) => void) | undefined;

  /** The limits every channel shares; the rate limits from the options over the protocol file's (see limits/). */
  private linkLimits(): LinkLimits {
    const { maxFrameBytes, maxBufferedBytes } = this.options;
    if (this.rateLimit === false) return { maxFrameBytes, maxBufferedBytes };
    return { maxFrameBytes, maxBufferedBytes, rate: rateSettings(this.rateLimit, this.channelClass.protocol?.rateLimits, this.clock ?? systemClock) };
  }

  /**
   * A message over budget: the client is told (ours with a control frame, a
   * Python client with an `error` message), `onError` hears of it, and a
   * client that keeps at it is closed.
   */
  private rateLimited(channel: C, error: RepodError, closing: boolean): void {
    const link = channel.link;
    const ours = this.sessions?.isOurs(channel) ?? false;
    link.sendControl(
      encodeFrame(
        ours ? { action: ERROR, code: error.code, message: error.message, about: error.action } : { action: "error", code: error.code, message: error.message },
      ),
    );
    channel.report(new RepodError(error.code, error.message, { remote: link.remote, action: error.action }));
    if (closing) link.close();
  }

  private makeGate(): Gate<C> {
    return new Gate<C>(
      gateHost(this, {
        clock: this.clock,
        logger: this.logger,
        enter: (channel) => this.enter(channel),
        error: (channel, error) => this.channelError(channel, error),
      }),
    );
  }

  /** Messages of channels not yet admitted go to the gate. */
  private readonly gateMessage = (channel: Channel<any, any, any, any>, message: Message, bytes: number): void => {
    this.gate?.message(channel as C, message, bytes);
  };

  private resetStopped(): void {
    this.stopped = new Promise((resolve) => (this.markStopped = resolve));
  }

  // ---- what channels tell the server (through channelHost) ------------------------

  private channelTransportClosed(channel: C, transport: Transport, error: RepodError | undefined): void {
    if (this.gate?.has(channel) && channel.link.transport === null) {
      // Never admitted: nothing to suspend or resume (a resume must not skip authentication).
      this.gate.forget(channel);
      this.sessions?.released(channel);
      this.release(channel);
      return;
    }
    // A session of our client is suspended instead of released: it may resume.
    const kept = this.sessions?.transportClosed(channel, transport, error) ?? false;
    if (error && this.roster.has(channel)) channel.report(error);
    if (!kept) this.release(channel);
  }

  /** Control frames: protocol versions, heartbeat and resume (see session/). */
  private channelControl(channel: C, message: Message & Record<string, unknown>): void {
    if (message.action === PROTOCOL) return this.judge(channel, message);
    if (message.action === HELLO && this.gate) {
      this.gate.hello(channel, message);
      if (this.sessions === null) return this.admit(channel);
    }
    if (this.sessions?.control(channel, message)) return;
    channel.report(new RepodError("NOT_A_MESSAGE", `unknown control frame "${message.action}"`, { remote: channel.link.remote, action: message.action }));
  }

  /**
   * A client of another version of the protocol sent its schema: find what
   * both can read, tell the client what the server cannot read of its
   * messages, and remember what the client cannot read of ours — or refuse
   * the client, naming the message and field that break.
   */
  private judge(channel: C, message: Message & Record<string, unknown>): void {
    const protocol = this.channelClass.protocol;
    const link = channel.link;
    const schema = message.schema;
    let verdict: { unread: string[]; theirsUnread: string[] } | string;
    if (protocol?.schema === undefined) verdict = "this server has no schema to compare with";
    else if (channel.peerFingerprint !== undefined) verdict = "the client sent its protocol twice";
    else if (typeof message.fingerprint !== "string" || !isSchema(schema)) verdict = "the client's `_protocol` has no fingerprint or no schema";
    else verdict = this.verdictOn(message.fingerprint, schema);
    if (typeof verdict === "string") {
      const name = protocol?.name ?? "";
      channel.report(
        new RepodError("PROTOCOL_MISMATCH", `the client's version of the ${name} protocol cannot talk with this server's: ${verdict}`, { remote: link.remote }),
      );
      link.sendControl(encodeFrame({ action: MISMATCH, reason: verdict }));
      link.close();
      return;
    }
    const { unread, theirsUnread } = verdict;
    channel.peerFingerprint = message.fingerprint as string;
    channel.peerUnread = unread.length > 0 ? new Set(unread) : null;
    this.logger({ event: "protocol", id: channel.id, fingerprint: channel.peerFingerprint, unread, unreadByServer: theirsUnread });
    link.sendControl(encodeFrame({ action: PROTOCOL, unread: theirsUnread }));
  }

  private channelError(channel: C, error: RepodError): void {
    this.logger({ event: "error", id: channel.id, code: error.code, message: error.message });
    if (this.inspector !== null) this.inspector.error(error);
    try {
      this.onError(error, channel);
    } catch {
      // A throwing onError must not take the server down.
    }
  }

  /** A change of the population, announced by the adapter once `presence` shows it. */
  private presenceAnnounced(change: PresenceChange): void {
    try {
      this.onPresence(change);
    } catch (error) {
      this.reportError(handlerFailed("presence", error, "onPresence"));
    }
  }

  /** The server's own errors (ADAPTER_FAILED, a channel class that throws). */
  private reportError(error: RepodError): void {
    this.logger({ event: "error", code: error.code, message: error.message });
    if (this.inspector !== null) this.inspector.error(error);
    try {
      this.onError(error);
    } catch {
      // as above
    }
  }
}

/** What the gate needs from the server: `authenticate`, admission, and reporting. */
function gateHost<C extends Channel<any, any>>(
  server: Server<C>,
  wiring: {
    clock: Clock | undefined;
    logger: Logger;
    enter(channel: C): boolean;
    error(channel: C, error: RepodError): void;
  },
): ConstructorParameters<typeof Gate<C>>[0] {
  const options = server.options;
  const protocol = server.channelClass.protocol;
  return {
    clock: wiring.clock ?? systemClock,
    logger: wiring.logger,
    timeoutMs: options.authTimeoutMs,
    action: options.authAction,
    validate: options.validate ? protocol?.auth : undefined,
    maxHeldBytes: options.maxBufferedBytes,
    authenticate: (credential, info) => server.authenticate!(credential as AuthOf<C>, info),
    admit: (channel, held) => {
      if (wiring.enter(channel)) channel.ungate(held);
    },
    refused: (channel, error) => {
      wiring.logger({ event: "auth-failed", id: channel.id, remote: error.remote, message: error.message });
      wiring.error(channel, error);
    },
    failed: (channel, error) => wiring.error(channel, error),
  };
}

function exceptId(options: BroadcastOptions | undefined): string | undefined {
  const except = options?.except;
  return except === undefined ? undefined : typeof except === "string" ? except : except.id;
}
