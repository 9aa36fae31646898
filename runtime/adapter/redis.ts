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
 */
import { Redis, type RedisOptions } from "ioredis";
import { RepodError } from "../errors.ts";
import type { LogEvent } from "../logging.ts";
import type { Adapter, AdapterHost, Delivery, Member } from "./adapter.ts";
import { openEnvelope, sealEnvelope } from "./redis-envelope.ts";
import { PresenceChanges, PresenceKeys, erasePresence, readCount, readMembers, writePresence } from "./redis-presence.ts";
import {
  DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
  DEFAULT_REDIS_HEARTBEAT_MS,
  DEFAULT_REDIS_PREFIX,
  DEFAULT_REDIS_URL,
} from "../constants.ts";

/** Options of a {@link RedisAdapter}; every one has a default. */
export interface RedisAdapterOptions {
  /** Where Redis listens. @default "redis://127.0.0.1:6379" */
  url?: string;
  /** Names this game population: servers with the same prefix (and Redis) share it. @default "repod" */
  prefix?: string;
  /** How often each server refreshes its presence in Redis. @default 1000 */
  heartbeatMs?: number;
  /**
   * How long a server's presence outlives its last refresh: a process that
   * dies without saying goodbye is no longer counted after at most this long.
   * @default 3 × heartbeatMs
   */
  presenceTtlMs?: number;
  /** How long `server.start()` waits for Redis; past it the server starts alone (ADAPTER_FAILED) and joins when Redis comes. @default 2000 */
  connectTimeoutMs?: number;
  /**
   * More ioredis options (TLS, password, `retryStrategy`…). The adapter
   * keeps `enableOfflineQueue: false`, `autoResendUnfulfilledCommands: false`,
   * `maxRetriesPerRequest: 0` and `autoResubscribe: false` whatever is given here.
   * @default {}
   */
  redis?: RedisOptions;
}

type Settings = Required<Omit<RedisAdapterOptions, "redis">> & { redis: RedisOptions };

export class RedisAdapter implements Adapter {
  readonly options: Readonly<Settings>;
  private readonly keys: PresenceKeys;
  private host: AdapterHost | null = null;
  /** Commands and publishes. */
  private pub: Redis | null = null;
  /** Subscriptions (a subscribed connection can do nothing else). */
  private sub: Redis | null = null;
  private subscribed = false;
  private closing = false;
  private readonly changes = new PresenceChanges();
  private writing: Promise<void> | null = null;
  private flushQueued = false;
  private heartbeat: NodeJS.Timeout | undefined;
  /** Set from the first failure until Redis is back: one report per outage. */
  private outage: { since: number; unsent: number } | null = null;
  private upWaiters: Array<() => void> = [];

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
  }

  /** True while sends reach the other processes. */
  get isConnected(): boolean {
    return this.pub?.status === "ready" && this.subscribed;
  }

  async init(host: AdapterHost): Promise<void> {
    this.host = host;
    this.closing = false;
    this.changes.full = true;
    const pub = (this.pub = this.connect());
    const sub = (this.sub = this.connect());
    pub.on("ready", () => this.whenReady());
    sub.on("ready", () => void this.subscribe(sub));
    for (const redis of [pub, sub]) {
      redis.on("error", (error: Error) => this.fail(error));
      redis.on("close", () => this.fail(new Error("connection closed")));
    }
    sub.on("messageBuffer", (_channel: Buffer, message: Buffer) => this.receive(message));
    this.heartbeat = setInterval(() => this.flush(), this.options.heartbeatMs).unref();
    pub.connect().catch(() => {}); // failures arrive as "error" events, and ioredis retries
    sub.connect().catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.upWaiters.push(resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.connectTimeoutMs))),
    ]);
    clearTimeout(timer);
    if (!this.isConnected) this.fail(new Error(`no connection within ${this.options.connectTimeoutMs} ms`));
  }

  publish(frame: Uint8Array, delivery: Delivery): void {
    const host = this.host;
    if (!host) return;
    let topic: string;
    if (delivery.audience.to === "channel") {
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
    this.pub!.publish(topic, sealEnvelope(host.serverId, frame, delivery)).catch((error: Error) => this.unsent(error));
  }

  channelAdded(id: string): void {
    this.changed(id);
  }
  channelRemoved(id: string): void {
    this.changed(id);
  }
  joined(id: string, group: string): void {
    this.changed(id, group);
  }
  left(id: string, group: string): void {
    this.changed(id, group);
  }
  presenceChanged(id: string): void {
    this.changed(id);
  }

  async count(group?: string): Promise<number> {
    const pub = this.ready();
    if (this.changes.any) this.flush(); // same connection, so this process's own changes are read back
    return readCount(pub, this.keys, group).catch((error: unknown) => {
      throw this.failure("count members", error);
    });
  }

  async members(group?: string): Promise<Member[]> {
    const pub = this.ready();
    if (this.changes.any) this.flush();
    return readMembers(pub, this.keys, group).catch((error: unknown) => {
      throw this.failure("list members", error);
    });
  }

  async close(): Promise<void> {
    if (this.closing || !this.host) return;
    this.closing = true;
    clearInterval(this.heartbeat);
    const { pub, sub, host } = this;
    if (pub?.status === "ready") {
      // A clean stop leaves the population at once rather than after presenceTtlMs.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([this.writing]).then(() => erasePresence(pub, this.keys, host.serverId)).catch(() => {}),
        new Promise((resolve) => (timer = setTimeout(resolve, this.options.connectTimeoutMs))),
      ]);
      clearTimeout(timer);
    }
    pub?.disconnect();
    sub?.disconnect();
    this.pub = this.sub = null;
    this.subscribed = false;
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
      await sub.subscribe(this.keys.bus, this.keys.inbox(host.serverId));
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
    // Redis may have restarted empty: write this process's whole presence again.
    this.changes.full = true;
    this.flush();
    const outage = this.outage;
    if (outage) {
      this.outage = null;
      this.log({ event: "adapter-recovered", adapter: "redis", downMs: Date.now() - outage.since, unsent: outage.unsent });
    }
    for (const resolve of this.upWaiters.splice(0)) resolve();
  }

  /** A connection failed or closed: reported once per outage. */
  private fail(cause: Error): void {
    if (this.closing || !this.host) return;
    if (this.sub?.status !== "ready") this.subscribed = false;
    if (this.outage) return;
    if (this.isConnected) return; // an error that did not take a connection down
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

  private ready(): Redis {
    if (!this.isConnected || !this.pub) throw this.failure("read presence", new Error("Redis is not connected"));
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

  private receive(message: Buffer): void {
    const host = this.host;
    if (!host) return;
    const envelope = openEnvelope(message);
    if (typeof envelope === "string") {
      host.reportError(new RepodError("ADAPTER_FAILED", `dropped a message on ${this.keys.bus} that is no envelope: ${envelope}`));
      return;
    }
    if (envelope.origin === host.serverId) return; // delivered locally when it was sent
    host.deliverLocal(envelope.frame, envelope.delivery);
  }

  // ---- presence ----------------------------------------------------------------------

  private changed(id: string, group?: string): void {
    if (!this.host || this.closing) return;
    this.changes.members.add(id);
    if (group !== undefined) this.changes.groups.add(group);
    // Many changes in one tick (a burst of connections) make one write.
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => {
        this.flushQueued = false;
        this.flush();
      });
    }
  }

  /** Writes what changed (and refreshes the TTL); one write at a time, in order. */
  private flush(): void {
    const { pub, host } = this;
    if (!pub || !host || this.closing || !this.isConnected) return;
    const write = writePresence(pub, this.keys, host, this.changes, this.options.presenceTtlMs).then(
      (intact) => {
        if (!intact) {
          this.changes.full = true; // the hashes had expired: Redis restarted, or this process stalled
          this.flush();
        }
      },
      (error: Error) => {
        this.changes.full = true;
        this.fail(error);
      },
    );
    this.writing = write;
  }
}

/** The server id in a channel id (`<server id>.<n>`), or "" when there is none. */
function serverOf(channelId: string): string {
  const dot = channelId.lastIndexOf(".");
  return dot > 0 ? channelId.slice(0, dot) : "";
}
