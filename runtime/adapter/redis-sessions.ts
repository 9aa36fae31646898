/**
 * Cluster sessions in Redis: where a session handed over by a stopping
 * server waits for the server its client comes back to, and the marker
 * that makes the move exact.
 *
 * ```
 * <prefix>:session-key          string  the key of every server's session tokens (SET NX by the first server)
 * <prefix>:handover-seq         string  number of the last handover marker
 * <prefix>:session:<id>         hash    s: snapshot, n: marker number, o: a nonce (claimed by compare-and-delete); TTL resumeWindowMs
 *                                       once taken: at: the server that took it (a client that comes to another is sent on)
 * <prefix>:handover             pub/sub "<n> {from, d: [[id, [groups]], …]}" a marker; "c <id>" a session was taken
 * ```
 *
 * Why a marker: Redis hands every subscriber connection the messages of
 * all its channels in one order, the order it ran the publishes. The
 * stopping server publishes one marker naming the sessions it hands over.
 * What it receives for them before its own marker comes back goes into
 * their snapshots; every other server keeps what it receives for them
 * after the marker (a "hold"), and the one the client comes back to sends
 * it after the snapshot's frames. The stopping server's own sends skip them
 * from the moment it publishes the marker (they reach the holds through
 * the bus instead); a server's own sends that were on their way when it
 * received the marker were published after it, so they are held too (each
 * server keeps its sends until their echo comes back, for this). So a
 * frame is in the snapshot or in the hold, never both, never neither; and
 * a send to one channel id travels on the bus with cluster sessions on, so
 * that it is ordered with the marker too.
 *
 * A server that started after a marker has no hold for it: it answers
 * "elsewhere" and the client tries again (a load balancer sends it on).
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { Arrival, Delivery, Departure, SessionStore } from "./adapter.ts";

/** Options of cluster sessions (`new RedisAdapter({ sessions: { … } })`). */
export interface ClusterSessionOptions {
  /**
   * Bytes the other servers keep, per session handed over, of what is sent
   * to it until its client comes back; past it the session cannot resume.
   * @default 1048576 (1 MiB)
   */
  maxHeldBytes?: number;
  /**
   * How long a server waits for a handover marker to come back through
   * Redis: a stopping server for its own (past it, its sessions are not
   * handed over), a server a client asks for a session for the one of that
   * handover (past it, the client is sent elsewhere). It always comes,
   * unless Redis fails; a busy server reads it late.
   * @default 10000
   */
  markerWaitMs?: number;
  /**
   * How often each server saves the sessions that changed, all in one
   * pipelined write, so that the clients of a server that dies resume
   * elsewhere from there; our clients are told a message was received only
   * once it is saved. @default the server's heartbeatIntervalMs
   */
  checkpointMs?: number;
  /**
   * Where this server's clients reconnect when it stops (`_moved {to}`), for
   * a cluster without a load balancer: a TCP `host:port` for clients over
   * TCP, a `ws://` or `wss://` URL for clients over WebSocket. A client not
   * named an address of its kind reconnects to the address it used.
   * @default undefined (the same address: behind a load balancer)
   */
  advertise?: { tcp?: string; websocket?: string };
}

/** KEYS: the session's record. ARGV: the nonce read, this server's id. The record then says where the session is. */
const CLAIM_SCRIPT = `
if redis.call('HGET', KEYS[1], 'o') ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 's', 'n', 'o', 'c', 'w')
redis.call('HSET', KEYS[1], 'at', ARGV[2])
return 1`;

/**
 * KEYS: the session's record, the liveness mark of the server that wrote its checkpoint.
 * ARGV: that server's id, this server's id. Takes the checkpoint of a server that died.
 */
const RECOVER_SCRIPT = `
if redis.call('HGET', KEYS[1], 'w') ~= ARGV[1] or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('HDEL', KEYS[1], 'c', 'w')
redis.call('HSET', KEYS[1], 'at', ARGV[2])
return 1`;

const MARK_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[1], n .. ' ' .. ARGV[2])
return n`;

interface Hold {
  readonly groups: ReadonlySet<string>;
  frames: Array<{ frame: Uint8Array; delivery: Delivery }>;
  bytes: number;
  overflowed: boolean;
  timer: NodeJS.Timeout;
}

/** True when `delivery` is for the session `id` that `hold` keeps frames for. */
function matches(id: string, hold: Hold, delivery: Delivery): boolean {
  const { audience, except } = delivery;
  if (id === except) return false;
  if (audience.to === "channel") return audience.id === id;
  return audience.to === "all" || hold.groups.has(audience.group);
}

interface InFlight {
  readonly frame: Uint8Array;
  readonly delivery: Delivery;
}

/** What the store needs of its adapter. */
export interface SessionsAdapter {
  readonly serverId: string;
  /** The connection for commands and publishes, when Redis is up. */
  connection(): Redis | null;
  /** Resolves once this server's presence writes made so far are done. */
  afterWrites(): Promise<void>;
}

export class RedisSessions implements SessionStore {
  tokenKey: Uint8Array = new Uint8Array(0);
  onKey: (() => void) | undefined = undefined;
  /** Sessions this server handed over and that have not yet left its deliveries: its own sends skip them. */
  readonly departing = new Set<string>();
  readonly maxHeldBytes: number;
  readonly markerWaitMs: number;
  readonly advertise: { tcp?: string; websocket?: string } | undefined;
  /** How often each server saves its sessions that changed (undefined: the server's heartbeat interval). */
  readonly checkpointMs: number | undefined;
  private readonly keys: {
    key: string;
    seq: string;
    channel: string;
    session: (id: string) => string;
    alive: (server: string) => string;
    schema: (fingerprint: string) => string;
  };
  /** Markers with a number up to this one may have been published before this server listened. */
  private startSeq = Number.POSITIVE_INFINITY;
  private readonly holds = new Map<string, Hold>();
  /** Markers seen, by number: a claim whose marker has not arrived yet waits for it. */
  private highestSeen = 0;
  private readonly markerWaiters: Array<{ n: number; resolve: () => void }> = [];
  /** This server's bus publishes whose echo has not come back, in order. */
  private inFlight: InFlight[] = [];
  /** This server's own marker, waiting for its echo. */
  private ownMarker: { resolve: (n: number) => void } | null = null;
  /** Sessions handed over and not yet taken. */
  private handedOver = new Set<string>();
  private allTaken: (() => void) | null = null;
  /** What a claim keeps until the server says the session is settled. */
  private readonly claiming = new Set<string>();

  constructor(
    private readonly adapter: SessionsAdapter,
    prefix: string,
    options: ClusterSessionOptions,
  ) {
    this.maxHeldBytes = options.maxHeldBytes ?? 1024 * 1024;
    this.markerWaitMs = options.markerWaitMs ?? 10_000;
    this.keys = {
      key: `${prefix}:session-key`,
      seq: `${prefix}:handover-seq`,
      channel: `${prefix}:handover`,
      session: (id) => `${prefix}:session:${id}`,
      alive: (server) => `${prefix}:alive:${server}`,
      schema: (fingerprint) => `${prefix}:schema:${fingerprint}`,
    };
    this.checkpointMs = options.checkpointMs;
    const { tcp, websocket } = options.advertise ?? {};
    if (tcp !== undefined && !/^[^/]+:\d+$/.test(tcp)) throw new RangeError(`advertise.tcp must be host:port, not ${JSON.stringify(tcp)}`);
    if (websocket !== undefined && !/^wss?:\/\//i.test(websocket))
      throw new RangeError(`advertise.websocket must be a ws:// or wss:// URL, not ${JSON.stringify(websocket)}`);
    this.advertise = options.advertise;
  }

  /** The pub/sub channel of markers, to subscribe to with the bus (one order for both). */
  get channel(): string {
    return this.keys.channel;
  }

  /** Once subscribed: the cluster's token key, and the last marker before this server listened. */
  async start(redis: Redis): Promise<void> {
    await redis.set(this.keys.key, randomBytes(32).toString("hex"), "NX");
    const [key, seq] = await Promise.all([redis.get(this.keys.key), redis.get(this.keys.seq)]);
    this.tokenKey = Buffer.from(key!, "hex");
    if (this.startSeq === Number.POSITIVE_INFINITY) this.startSeq = Number(seq ?? 0);
  }

  // ---- the bus ------------------------------------------------------------------------

  /** This server publishes `frame` on the bus: kept until its echo, and held for the sessions in transit it is for. */
  published(frame: Uint8Array, delivery: Delivery): InFlight {
    const entry = { frame, delivery };
    this.inFlight.push(entry);
    if (this.inFlight.length > 100_000) this.inFlight = this.inFlight.slice(-50_000); // Redis stalled: holds may then miss what was in flight
    if (this.holds.size > 0) this.hold(frame, delivery);
    return entry;
  }

  /** A publish of this server failed: it will never echo. */
  unpublished(entry: InFlight): void {
    const at = this.inFlight.indexOf(entry);
    if (at >= 0) this.inFlight.splice(at, 1);
  }

  /** This server's own publish came back. */
  echoed(): void {
    this.inFlight.shift();
  }

  /** Another server's send arrived: held for the sessions in transit it is for. */
  received(frame: Uint8Array, delivery: Delivery): void {
    if (this.holds.size > 0) this.hold(frame, delivery);
  }

  private hold(frame: Uint8Array, delivery: Delivery): void {
    const { audience, except } = delivery;
    if (audience.to === "channel") {
      const hold = this.holds.get(audience.id);
      if (hold !== undefined && except !== audience.id) this.keep(hold, frame, delivery);
      return;
    }
    for (const [id, hold] of this.holds) if (matches(id, hold, delivery)) this.keep(hold, frame, delivery);
  }

  private keep(hold: Hold, frame: Uint8Array, delivery: Delivery): void {
    if (hold.overflowed) return;
    hold.bytes += frame.length;
    if (hold.bytes > this.maxHeldBytes) {
      hold.overflowed = true;
      hold.frames = [];
      return;
    }
    hold.frames.push({ frame, delivery });
  }

  /** A message of the handover channel. */
  message(text: string): void {
    if (text.startsWith("c ")) {
      const id = text.slice(2);
      if (!this.claiming.has(id)) this.dropHold(id);
      if (this.handedOver.delete(id) && this.handedOver.size === 0) this.allTaken?.();
      return;
    }
    const space = text.indexOf(" ");
    const n = Number(text.slice(0, space));
    let body: { from?: unknown; d?: unknown };
    try {
      body = JSON.parse(text.slice(space + 1)) as typeof body;
    } catch {
      return;
    }
    if (!Number.isSafeInteger(n) || typeof body?.from !== "string" || !Array.isArray(body.d)) return;
    const ttlMs = typeof (body as { t?: unknown }).t === "number" ? (body as { t: number }).t : 60_000;
    if (n > this.highestSeen) this.highestSeen = n;
    if (body.from === this.adapter.serverId) {
      const own = this.ownMarker;
      this.ownMarker = null;
      own?.resolve(n);
    } else {
      for (const item of body.d as unknown[]) {
        if (!Array.isArray(item) || typeof item[0] !== "string" || !Array.isArray(item[1])) continue;
        this.startHold(
          item[0],
          (item[1] as unknown[]).filter((g): g is string => typeof g === "string"),
          ttlMs,
        );
      }
    }
    for (let i = this.markerWaiters.length - 1; i >= 0; i--) {
      const waiter = this.markerWaiters[i]!;
      if (waiter.n <= n) {
        this.markerWaiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  private startHold(id: string, groups: string[], ttlMs: number): void {
    this.dropHold(id);
    const hold: Hold = {
      groups: new Set(groups),
      frames: [],
      bytes: 0,
      overflowed: false,
      timer: setTimeout(() => this.dropHold(id), ttlMs).unref(),
    };
    this.holds.set(id, hold);
    // This server's sends still on their way were published after the marker (it came first): they are the session's.
    for (const { frame, delivery } of this.inFlight) if (matches(id, hold, delivery)) this.keep(hold, frame, delivery);
  }

  private dropHold(id: string): void {
    const hold = this.holds.get(id);
    if (hold === undefined) return;
    clearTimeout(hold.timer);
    this.holds.delete(id);
  }

  // ---- handing over ---------------------------------------------------------------------

  async depart(departures: readonly Departure[], snapshot: (id: string) => Uint8Array | null, ttlMs: number): Promise<void> {
    const redis = this.adapter.connection();
    if (redis === null || departures.length === 0) return;
    const taken = new Map<string, Uint8Array>();
    let marker = -1;
    // The snapshots are taken in the handler of the marker's echo itself: a message after it in the same read must not reach them.
    const echo = new Promise<void>((resolve) => {
      this.ownMarker = {
        resolve: (n) => {
          marker = n;
          for (const { id } of departures) {
            const bytes = snapshot(id);
            if (bytes !== null) taken.set(id, bytes);
          }
          this.departing.clear();
          resolve();
        },
      };
    });
    for (const { id } of departures) this.departing.add(id);
    const body = JSON.stringify({ from: this.adapter.serverId, t: ttlMs, d: departures.map(({ id, groups }) => [id, groups]) });
    // Issued in this tick, after the departing set: this server's sends from now on are published after the marker.
    const issued = redis.eval(MARK_SCRIPT, 1, this.keys.seq, this.keys.channel, body);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      echo,
      issued.then(
        () => new Promise<void>((resolve) => (timer = setTimeout(resolve, this.markerWaitMs))),
        () => {},
      ),
    ]);
    clearTimeout(timer);
    if (marker < 0) {
      this.ownMarker = null;
      this.departing.clear();
      return; // Redis failed: the sessions are not handed over (their clients start afresh)
    }
    const pipeline = redis.pipeline();
    for (const [id, bytes] of taken) {
      const nonce = randomBytes(8).toString("hex");
      pipeline.hdel(this.keys.session(id), "at");
      pipeline.hset(this.keys.session(id), "s", Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), "n", String(marker), "o", nonce);
      pipeline.pexpire(this.keys.session(id), ttlMs);
      this.handedOver.add(id);
    }
    await pipeline.exec();
  }

  taken(ms: number): Promise<void> {
    if (this.handedOver.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.allTaken = done;
    });
  }

  saveSchema(fingerprint: string, schema: Uint8Array): void {
    this.adapter
      .connection()
      ?.set(this.keys.schema(fingerprint), Buffer.from(schema.buffer, schema.byteOffset, schema.length), "NX")
      .catch(() => {}); // written again by the next server of that version, or at the next handshake
  }

  async schemaOf(fingerprint: string): Promise<Uint8Array | null> {
    const redis = this.adapter.connection();
    return redis === null ? null : redis.getBuffer(this.keys.schema(fingerprint));
  }

  // ---- taking over ---------------------------------------------------------------------

  async checkpoint(saves: ReadonlyArray<readonly [string, Uint8Array]>, ended: readonly string[], ttlMs: number): Promise<boolean> {
    const redis = this.adapter.connection();
    if (redis === null) return false;
    const pipeline = redis.pipeline();
    const self = this.adapter.serverId;
    for (const [id, bytes] of saves) {
      const key = this.keys.session(id);
      pipeline.hset(key, "c", Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), "w", self);
      pipeline.pexpire(key, ttlMs);
    }
    for (const id of ended) pipeline.hdel(this.keys.session(id), "c", "w");
    try {
      const results = await pipeline.exec();
      return results !== null && results.every(([error]) => error === null);
    } catch {
      return false;
    }
  }

  async claim(id: string, check: (snapshot: Uint8Array, recovered: boolean) => string | undefined): Promise<Arrival | "elsewhere" | string> {
    const redis = this.adapter.connection();
    if (redis === null) return "Redis is not connected";
    const key = this.keys.session(id);
    const record = await redis.hgetallBuffer(key);
    const snapshot = record.s;
    const at = record.at?.toString();
    const owner = record.w?.toString();
    if (snapshot === undefined && record.c !== undefined && owner !== undefined) {
      // The last checkpoint of a server that has the session: alive, the client belongs there; dead, it is taken from here.
      if (owner === this.adapter.serverId) return "it ended here";
      if ((await redis.exists(this.keys.alive(owner))) === 1) return "elsewhere";
      const refusal = check(record.c, true);
      if (refusal !== undefined) return refusal;
      const won = Number(await redis.eval(RECOVER_SCRIPT, 2, key, this.keys.alive(owner), owner, this.adapter.serverId));
      if (won !== 1) return `another connection took session ${id} first`;
      return { snapshot: record.c, recovered: true, take: () => [], settled: () => {}, abandon: () => {} };
    }
    if (snapshot === undefined && at !== undefined) return at === this.adapter.serverId ? "it ended here" : "elsewhere";
    const n = Number(record.n?.toString() ?? NaN);
    const nonce = record.o?.toString();
    if (snapshot === undefined || !Number.isSafeInteger(n) || nonce === undefined) {
      return `no session ${id} is waiting in the cluster: it ended, its resume window passed, or another connection took it`;
    }
    if (!this.holds.has(id)) {
      if (n <= this.startSeq) return "elsewhere"; // handed over before this server listened: it has no hold
      if (n > this.highestSeen && !(await this.markerSeen(n))) return "elsewhere";
      if (!this.holds.has(id)) return "elsewhere";
    }
    const refusal = check(snapshot, false);
    if (refusal !== undefined) return refusal;
    const hold = this.holds.get(id)!;
    if (hold.overflowed) {
      return `more than maxHeldBytes (${this.maxHeldBytes}) was sent to it while it moved`;
    }
    this.claiming.add(id);
    const won = Number(await redis.eval(CLAIM_SCRIPT, 1, key, nonce, this.adapter.serverId));
    if (won !== 1) {
      this.claiming.delete(id);
      return `another connection took session ${id} first`;
    }
    let taken = false;
    return {
      snapshot,
      take: () => {
        const current = this.holds.get(id);
        if (taken || current === undefined) return [];
        taken = true;
        this.dropHold(id);
        return current.frames;
      },
      settled: () => {
        this.claiming.delete(id);
        this.dropHold(id);
        // After this server's presence write of the session, so that the one it left erases its share after it.
        void this.adapter.afterWrites().then(() =>
          this.adapter
            .connection()
            ?.publish(this.keys.channel, `c ${id}`)
            .catch(() => {}),
        );
      },
      abandon: () => {
        this.claiming.delete(id);
        this.dropHold(id);
      },
    };
  }

  private markerSeen(n: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        const at = this.markerWaiters.indexOf(waiter);
        if (at >= 0) this.markerWaiters.splice(at, 1);
        resolve(false);
      }, this.markerWaitMs);
      const waiter = {
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      this.markerWaiters.push(waiter);
    });
  }

  close(): void {
    for (const id of [...this.holds.keys()]) this.dropHold(id);
    this.inFlight = [];
    this.allTaken?.();
  }
}
