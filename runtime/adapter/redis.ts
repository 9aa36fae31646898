/**
 * The Redis adapter: one game population across several server processes,
 * through Redis pub/sub, the way the Socket.IO Redis adapter and Colyseus
 * presence do it. Imported only through `repod/redis`, so `ioredis` (an
 * optional peer dependency) is loaded only by servers that use it.
 *
 * @example
 * ```ts
 * import { RedisAdapter } from "repod/redis";
 * const server = new ChatServer({ port: 5071, adapter: new RedisAdapter({ url: "redis://127.0.0.1:6379" }) });
 * ```
 *
 * Delivery: each send is encoded once by the server that makes it, which
 * writes it to its own members at once and publishes it once, in an
 * envelope (see `redis-envelope.ts`); every other process writes the same
 * bytes to its own members. The origin ignores its own echo: local delivery
 * then needs no round trip, goes on while Redis is down, and keeps its order
 * with the channel's direct `send()`s. Sends to everyone and to groups go on
 * one channel (`<prefix>:bus`); a send to one channel id goes only to the
 * process that owns it (`<prefix>:to:<server id>`, the id's prefix).
 *
 * Guarantees: a member receives a send at most once (nothing is ever
 * resent), in the order its origin process made them. Across processes a
 * send is lost while Redis is unreachable (pub/sub keeps nothing): it is
 * reported once per outage with ADAPTER_FAILED, and sends reach other
 * processes again as soon as Redis is back. ioredis's offline queue is off
 * and unanswered commands are not replayed, so an outage never ends in a
 * burst of stale sends or a duplicate.
 *
 * Presence (see `redis-presence.ts`): each server keeps the population in
 * memory ({@link Population}), applies the changes Redis publishes in
 * their version order, and announces each through the server's
 * `onPresence` once it is applied, so every server announces the same
 * changes in the same order, each after it is visible. It reads the whole
 * population once at start and again after any break (a reconnection, a
 * version that went missing). `count()` and `members()` first wait until
 * the view holds every change made before the call (this server's own
 * first), then answer from it.
 */
import { Redis, type RedisOptions } from "ioredis";
import { DEFAULT_REDIS_CONNECT_TIMEOUT_MS, DEFAULT_REDIS_HEARTBEAT_MS, DEFAULT_REDIS_PREFIX, DEFAULT_REDIS_URL } from "../constants.ts";
import { RepodError } from "../errors.ts";
import type { LogEvent } from "../logging.ts";
import type { Adapter, AdapterHost, Delivery, Member, PresenceChange, PresenceView } from "./adapter.ts";
import { Population } from "./population.ts";
import { openEnvelope, sealEnvelope } from "./redis-envelope.ts";
import { RedisInspection } from "./redis-inspection.ts";
import { erasePresence, PresenceChanges, PresenceKeys, readChange, readSnapshot, sweepPresence, writePresence } from "./redis-presence.ts";
import { type ClusterSessionOptions, RedisSessions } from "./redis-sessions.ts";

/** Options of a {@link RedisAdapter}; every one has a default. */
export interface RedisAdapterOptions {
  /** Where Redis listens. @default "redis://127.0.0.1:6379" */
  url?: string;
  /** Names this game population: servers with the same prefix (and Redis) share it. @default "repod" */
  prefix?: string;
  /** How often each server refreshes its presence in Redis. @default 1000 */
  heartbeatMs?: number;
  /**
   * How long a server's presence outlives its last refresh: the members of a
   * process that dies without saying goodbye are announced gone (and no
   * longer counted) after at most this long plus one `heartbeatMs`.
   * @default 3 × heartbeatMs
   */
  presenceTtlMs?: number;
  /** How long `server.start()` waits for Redis; past it the server starts alone (ADAPTER_FAILED) and joins when Redis comes. @default 2000 */
  connectTimeoutMs?: number;
  /**
   * Cluster sessions: a session whose server stops (or dies) resumes on
   * another server of the cluster, with its channel id, groups, presence,
   * `user` and the game's `session` state. Off by default: then nothing
   * of it runs. See the README's "Deploys and crashes".
   * @default false
   */
  sessions?: boolean | ClusterSessionOptions;
  /**
   * More ioredis options (TLS, password, `retryStrategy`…). The adapter
   * keeps `enableOfflineQueue: false`, `autoResendUnfulfilledCommands: false`,
   * `maxRetriesPerRequest: 0` and `autoResubscribe: false` whatever is given here.
   * @default {}
   */
  redis?: RedisOptions;
}

type Settings = Required<Omit<RedisAdapterOptions, "redis" | "sessions">> & { redis: RedisOptions };

export class RedisAdapter implements Adapter {
  readonly options: Readonly<Settings>;
  private readonly keys: PresenceKeys;
  private readonly changesChannel: Buffer;
  /** Cluster sessions, when on (see redis-sessions.ts). */
  readonly sessions: RedisSessions | undefined;
  private readonly handoverChannel: Buffer | undefined;
  private host: AdapterHost | null = null;
  /** Commands and publishes. */
  private pub: Redis | null = null;
  /** Subscriptions (a subscribed connection can do nothing else). */
  private sub: Redis | null = null;
  private subscribed = false;
  private closing = false;
  private readonly changes = new PresenceChanges();
  /** This server's presence writes, one at a time and in order. */
  private writing: Promise<void> = Promise.resolve();
  private writeQueued = false;
  private flushQueued = false;
  private heartbeat: NodeJS.Timeout | undefined;
  /** Set from the first failure until Redis is back: one report per outage. */
  private outage: { since: number; unsent: number } | null = null;
  private upWaiters: Array<() => void> = [];
  /** The population as announced here. */
  private readonly population = new Population();
  /** True while the population follows the stream of changes; false until a snapshot was read. */
  private synced = false;
  /** A snapshot is on its way; changes received meanwhile wait in `backlog`. */
  private syncing = false;
  /** Which snapshot is awaited: one from before a break must not count. */
  private syncRound = 0;
  private backlog: string[] = [];
  /** Readers (`count()`, `members()`) waiting for the view to reach a version. */
  private waiters: Array<{ version: number; resolve: () => void; reject: (cause: Error) => void }> = [];

  /** The cluster's inspection: what lets one server's inspector see and act on every server's channels (see redis-inspection.ts). */
  readonly inspection: RedisInspection;

  constructor(options: RedisAdapterOptions = {}) {
    const heartbeatMs = options.heartbeatMs ?? DEFAULT_REDIS_HEARTBEAT_MS;
    this.options = {
      url: options.url ?? DEFAULT_REDIS_URL,
      prefix: options.prefix ?? DEFAULT_REDIS_PREFIX,
      heartbeatMs,
      presenceTtlMs: options.presenceTtlMs ?? 3 * heartbeatMs,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
      redis: options.redis ?? {},
    };
    if (this.options.presenceTtlMs <= this.options.heartbeatMs) {
      throw new RangeError(`presenceTtlMs (${this.options.presenceTtlMs}) must be longer than heartbeatMs (${this.options.heartbeatMs})`);
    }
    this.keys = new PresenceKeys(this.options.prefix);
    this.inspection = new RedisInspection(this.options.prefix, async (topic, message) => this.ready("ask the cluster").publish(topic, message));
    this.changesChannel = Buffer.from(this.keys.changes);
    const self = this;
    if (options.sessions) {
      this.sessions = new RedisSessions(
        {
          get serverId() {
            return self.host?.serverId ?? "";
          },
          connection: () => (this.isConnected ? this.pub : null),
          afterWrites: () => {
            this.flushNow();
            return this.writing;
          },
        },
        this.options.prefix,
        options.sessions === true ? {} : options.sessions,
      );
      this.handoverChannel = Buffer.from(this.sessions.channel);
    }
  }

  /** True while sends reach the other processes. */
  get isConnected(): boolean {
    return this.pub?.status === "ready" && this.subscribed;
  }

  get presence(): PresenceView {
    return this.population;
  }

  async init(host: AdapterHost): Promise<void> {
    this.host = host;
    this.closing = false;
    this.changes.full = true;
    this.synced = this.syncing = false;
    const pub = (this.pub = this.connect());
    const sub = (this.sub = this.connect());
    pub.on("ready", () => this.whenReady());
    sub.on("ready", () => void this.subscribe(sub));
    for (const redis of [pub, sub]) {
      redis.on("error", (error: Error) => this.fail(error));
      redis.on("close", () => this.fail(new Error("connection closed")));
    }
    sub.on("messageBuffer", (channel: Buffer, message: Buffer) => this.receive(channel, message));
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs).unref();
    pub.connect().catch(() => {}); // failures arrive as "error" events, and ioredis retries
    sub.connect().catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.upWaiters.push(resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.connectTimeoutMs))),
    ]);
    clearTimeout(timer);
    if (!this.isConnected) this.fail(new Error(`no connection within ${this.options.connectTimeoutMs} ms`));
    else if (this.sessions) {
      try {
        await this.sessions.start(this.pub!);
      } catch (error) {
        this.fail(error as Error);
      }
    }
  }

  publish(frame: Uint8Array, delivery: Delivery): void {
    const host = this.host;
    if (!host) return;
    const sessions = this.sessions;
    let topic: string;
    if (sessions !== undefined) {
      // Cluster sessions: a channel may live on another server than its id says, and a send to it must be
      // ordered with the handover markers: what is not delivered here goes on the bus (see redis-sessions.ts).
      const delivered = host.deliverLocal(frame, delivery, sessions.departing);
      if (delivery.audience.to === "channel" && delivered > 0) return;
      topic = this.keys.bus;
    } else if (delivery.audience.to === "channel") {
      const owner = serverOf(delivery.audience.id);
      if (owner === host.serverId || owner === "") {
        host.deliverLocal(frame, delivery);
        return;
      }
      topic = this.keys.inbox(owner);
    } else {
      host.deliverLocal(frame, delivery);
      topic = this.keys.bus;
    }
    if (!this.isConnected) {
      this.unsent(new Error("Redis is not connected"));
      return;
    }
    const inFlight = sessions?.published(frame, delivery);
    this.pub!.publish(topic, sealEnvelope(host.serverId, frame, delivery)).catch((error: Error) => {
      if (inFlight) sessions!.unpublished(inFlight);
      this.unsent(error);
    });
  }

  memberChanged(id: string): void {
    this.changed(id);
  }

  async count(group?: string): Promise<number> {
    await this.caughtUp("count members");
    return this.population.count(group);
  }

  async members(group?: string): Promise<Member[]> {
    await this.caughtUp("list members");
    return this.population.members(group);
  }

  async close(): Promise<void> {
    if (this.closing || !this.host) return;
    this.flushNow(); // what the last channels did (they left, at a stop) goes out before the goodbye
    this.closing = true;
    clearInterval(this.heartbeat);
    const { pub, sub, host } = this;
    if (pub?.status === "ready") {
      // A clean stop leaves the population at once rather than after presenceTtlMs.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.writing.then(() => erasePresence(pub, this.keys, host.serverId, this.population.version)).catch(() => {}),
        new Promise((resolve) => (timer = setTimeout(resolve, this.options.connectTimeoutMs))),
      ]);
      clearTimeout(timer);
    }
    this.rejectWaiters(new Error("the server stopped"));
    this.sessions?.close();
    this.inspection.stop();
    pub?.disconnect();
    sub?.disconnect();
    this.pub = this.sub = null;
    this.subscribed = false;
    this.synced = this.syncing = false;
    this.population.reset(this.population.version, new Map()); // a stopped server sees nobody
    this.host = null;
  }

  // ---- connections and faults ------------------------------------------------------

  private connect(): Redis {
    return new Redis(this.options.url, {
      retryStrategy: (times) => Math.min(times * 100, 1000),
      connectTimeout: this.options.connectTimeoutMs,
      ...this.options.redis,
      lazyConnect: true,
      // What makes an outage lose sends instead of replaying them late or twice:
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      autoResubscribe: false, // subscribe() runs on every "ready" instead
    });
  }

  private async subscribe(sub: Redis): Promise<void> {
    const host = this.host;
    if (!host || sub !== this.sub) return;
    try {
      const channels = [this.keys.bus, this.keys.inbox(host.serverId), this.keys.changes, ...this.inspection.start(host.serverId)];
      if (this.sessions) channels.push(this.sessions.channel);
      await sub.subscribe(...channels);
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    this.subscribed = true;
    this.whenReady();
  }

  /** Called when either connection is ready; Redis is back when both are. */
  private whenReady(): void {
    if (!this.isConnected || this.closing) return;
    // Redis may have restarted empty: write this process's whole presence again, then read everyone's.
    this.changes.full = true;
    this.flushNow();
    this.resync();
    // Cluster sessions: the token key could not be read at the start (Redis was down); it can now.
    const sessions = this.sessions;
    if (sessions !== undefined && sessions.tokenKey.length === 0) {
      sessions.start(this.pub!).then(
        () => sessions.onKey?.(),
        (error: unknown) => this.fail(error as Error),
      );
    }
    const outage = this.outage;
    if (outage) {
      this.outage = null;
      this.log({ event: "adapter-recovered", adapter: "redis", downMs: Date.now() - outage.since, unsent: outage.unsent });
    }
  }

  /** A connection failed or closed: reported once per outage. */
  private fail(cause: Error): void {
    if (this.closing || !this.host) return;
    if (this.sub?.status !== "ready") this.subscribed = false;
    if (this.isConnected) return; // an error that did not take a connection down
    // Changes may be missed from now on: the view waits for a snapshot once Redis is back.
    this.synced = this.syncing = false;
    this.backlog = [];
    this.rejectWaiters(cause);
    if (this.outage) return;
    this.outage = { since: Date.now(), unsent: 0 };
    this.host.reportError(
      new RepodError(
        "ADAPTER_FAILED",
        `Redis at ${this.options.url} is unreachable (${cause.message}): sends reach this process's members only, and presence cannot be read, until it is back`,
        { cause },
      ),
    );
  }

  /** A send that did not leave this process. */
  private unsent(cause: Error): void {
    if (!this.outage) this.fail(cause);
    if (this.outage) this.outage.unsent++;
  }

  private ready(what: string): Redis {
    if (!this.isConnected || !this.pub) throw this.failure(what, new Error("Redis is not connected"));
    return this.pub;
  }

  private failure(what: string, cause: unknown): RepodError {
    const why = cause instanceof Error ? cause.message : String(cause);
    return new RepodError("ADAPTER_FAILED", `could not ${what} in Redis at ${this.options.url}: ${why}`, { cause });
  }

  private log(event: LogEvent): void {
    this.host?.log(event);
  }

  // ---- receiving -------------------------------------------------------------------

  private receive(channel: Buffer, message: Buffer): void {
    const host = this.host;
    if (!host) return;
    if (channel.equals(this.changesChannel)) {
      this.receiveChange(message.toString("utf8"));
      return;
    }
    if (this.handoverChannel?.equals(channel)) {
      this.sessions!.message(message.toString("utf8"));
      return;
    }
    if (this.inspection.receive(channel, message)) return;
    const envelope = openEnvelope(message);
    if (typeof envelope === "string") {
      host.reportError(new RepodError("ADAPTER_FAILED", `dropped a message on ${this.keys.bus} that is no envelope: ${envelope}`));
      return;
    }
    if (envelope.origin === host.serverId) {
      this.sessions?.echoed();
      return; // delivered locally when it was sent
    }
    this.sessions?.received(envelope.frame, envelope.delivery);
    host.deliverLocal(envelope.frame, envelope.delivery);
  }

  // ---- presence: writing -------------------------------------------------------------

  private changed(id: string): void {
    if (!this.host || this.closing) return;
    this.changes.members.add(id);
    // Many changes in one tick (a burst of connections) make one write.
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => {
        this.flushQueued = false;
        this.flushNow();
      });
    }
  }

  /** The heartbeat: refresh this server's share (writing what changed), and sweep expired servers. */
  private beat(): void {
    this.flushNow();
    const pub = this.pub;
    if (!pub || !this.isConnected || this.closing) return;
    if (!this.synced && !this.syncing) this.resync(); // a snapshot that failed earlier
    sweepPresence(pub, this.keys, this.population.version).catch((error: Error) => this.fail(error));
  }

  /**
   * Queues a write of what changed (a heartbeat when nothing did). One write
   * is in flight at a time; what changes meanwhile goes in the next one.
   */
  private flushNow(): void {
    if (this.writeQueued) return;
    this.writeQueued = true;
    this.writing = this.writing.then(() => this.write());
  }

  private async write(): Promise<void> {
    this.writeQueued = false;
    const { pub, host } = this;
    if (!pub || !host || !this.isConnected) return; // (while closing too: the last changes go before the goodbye)
    try {
      const written = await writePresence(pub, this.keys, host.serverId, this.changes.take(host), this.options.presenceTtlMs, this.population.version);
      if (written === -1) {
        // The share had expired (Redis restarted, or this process stalled): write all of it.
        this.changes.full = true;
        await writePresence(pub, this.keys, host.serverId, this.changes.take(host), this.options.presenceTtlMs, this.population.version);
      }
    } catch (error) {
      this.changes.full = true;
      this.fail(error as Error);
    }
  }

  // ---- presence: reading -------------------------------------------------------------

  /**
   * Resolves once the view holds every change made before the call: this
   * server's own (written first, on the same connection), then every other
   * (the version Redis holds now).
   */
  private async caughtUp(what: string): Promise<void> {
    this.ready(what);
    if (this.changes.any) this.flushNow();
    await this.writing;
    const pub = this.ready(what);
    let version: number;
    try {
      version = Number((await pub.get(this.keys.version)) ?? 0);
    } catch (error) {
      throw this.failure(what, error);
    }
    if (this.synced && this.population.version >= version) return;
    if (!this.isConnected) throw this.failure(what, new Error("Redis is not connected"));
    await new Promise<void>((resolve, reject) => this.waiters.push({ version, resolve, reject: (cause) => reject(this.failure(what, cause)) }));
  }

  private settleWaiters(): void {
    if (!this.synced || this.waiters.length === 0) return;
    const version = this.population.version;
    const waiting: typeof this.waiters = [];
    for (const waiter of this.waiters) {
      if (waiter.version <= version) waiter.resolve();
      else waiting.push(waiter);
    }
    this.waiters = waiting;
  }

  private rejectWaiters(cause: Error): void {
    for (const waiter of this.waiters.splice(0)) waiter.reject(cause);
  }

  /** Reads the whole population again; changes received meanwhile are applied after it. */
  private resync(): void {
    const pub = this.pub;
    if (this.syncing || !pub || this.closing) return;
    this.synced = false;
    this.syncing = true;
    this.backlog = [];
    const round = ++this.syncRound;
    const current = (): boolean => round === this.syncRound && this.syncing && pub === this.pub;
    // After this server's own writes queued so far, so that the snapshot includes them.
    this.writing
      .then(() => readSnapshot(pub, this.keys, this.population.version))
      .then(
        (snapshot) => {
          if (!current()) return; // a break (and maybe a newer snapshot) came first
          this.syncing = false;
          this.synced = true;
          this.announce(this.population.reset(snapshot.version, snapshot.shares));
          for (const text of this.backlog.splice(0)) this.receiveChange(text);
          this.settleWaiters();
          for (const resolve of this.upWaiters.splice(0)) resolve();
        },
        (error: Error) => {
          if (!current()) return;
          this.syncing = false;
          this.fail(error); // retried on the next heartbeat, or when Redis is back
        },
      );
  }

  /** One message of the changes channel: applied in version order, or kept until the snapshot is read. */
  private receiveChange(text: string): void {
    if (this.syncing) {
      this.backlog.push(text);
      return;
    }
    if (!this.synced) return; // a snapshot will be read: it has this change
    const read = readChange(text);
    if (typeof read === "string") {
      this.host?.reportError(new RepodError("ADAPTER_FAILED", `dropped a message on ${this.keys.changes} that is no presence change: ${read}`));
      return;
    }
    const { version, change } = read;
    const population = this.population;
    if (version <= population.version) return; // in the snapshot already
    if (version > population.version + 1) {
      this.resync(); // a change went missing
      return;
    }
    if (change.kind === "write") this.announce(population.apply(version, change.server, change.updates, change.full));
    else if (change.kind === "expired") this.announce(population.drop(version, change.server));
    else population.advance(version);
    this.settleWaiters();
  }

  private announce(change: PresenceChange | null): void {
    if (change) this.host?.presenceAnnounced(change);
  }
}

/** The server id in a channel id (`<server id>.<n>`), or "" when there is none. */
function serverOf(channelId: string): string {
  const dot = channelId.lastIndexOf(".");
  return dot > 0 ? channelId.slice(0, dot) : "";
}
