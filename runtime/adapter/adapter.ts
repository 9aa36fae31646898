/**
 * The adapter seam: every send to everyone, to a group or to one channel by
 * id goes through the server's adapter, already encoded once. The default
 * {@link LocalAdapter} delivers in this process at no cost; the Redis adapter
 * (`repod/redis`) also publishes the same bytes once so that every process
 * writes them to its own members.
 */
import type { RepodError } from "../errors.ts";
import type { LogEvent } from "../logging.ts";
import type { ClusterInspection } from "./inspection.ts";

/** Who a send is for. */
export type Audience = { readonly to: "all" } | { readonly to: "group"; readonly group: string } | { readonly to: "channel"; readonly id: string };

/** A send: its audience, and the id of a channel to leave out. */
export interface Delivery {
  readonly audience: Audience;
  readonly except?: string | undefined;
  /**
   * The message's action, when the sender knows it (sends from this
   * process): channels whose client runs a version of the protocol without
   * it are skipped. Deliveries from other processes leave it out; the action
   * is then read from the frame, and only if such a channel is in the audience.
   */
  readonly action?: string | undefined;
}

/** What a channel shows of itself to other players: a JSON value (a nickname, a colour, a score). */
export type PresenceValue = string | number | boolean | null | PresenceValue[] | { [key: string]: PresenceValue };

/** One channel as `server.members()` lists it, in whichever process it lives. */
export interface Member {
  /** The channel's id, unique across processes: `server.sendTo(id, …)` reaches it. */
  readonly id: string;
  /** Groups the channel is in. */
  readonly groups: readonly string[];
  /** What the channel set with `setPresence()`, if anything. */
  readonly presence?: PresenceValue | undefined;
}

/**
 * One change of the population, as every server announces it (`server.onPresence`):
 * after it is visible there, in the same order on every server.
 */
export interface PresenceChange {
  /**
   * The population's version after this change. It grows with every change
   * anywhere (not always by one on a given server: a change that shows
   * nothing new there is not announced); two servers whose views have the
   * same version hold the same members.
   */
  readonly version: number;
  /**
   * Why it changed: a server's channels connected, left, joined or left a
   * group, or set their presence ("change"); a server stopped refreshing its
   * presence (it crashed or stalled) and its members were dropped
   * ("expired"); or this server read the whole population again after a
   * break in its connection to the adapter ("resync").
   */
  readonly cause: "change" | "expired" | "resync";
  /** The server whose share changed ("change", "expired"); undefined for a resync. */
  readonly server?: string | undefined;
  /** Members that appeared, as they are now. */
  readonly joined: readonly Member[];
  /** Members whose groups or presence changed, as they are now. */
  readonly updated: readonly Member[];
  /** Members that went, as they were. */
  readonly left: readonly Member[];
}

/**
 * The population as this server knows it: every member of every server,
 * changed only by announced changes. While `onPresence(change)` runs, it is
 * exactly the state after that change.
 */
export interface PresenceView {
  /** Version of the last change applied (see {@link PresenceChange.version}); 0 before any. */
  readonly version: number;
  /** Members of `group`, or everyone. */
  count(group?: string): number;
  /** Members of `group` (or everyone), in no particular order. */
  members(group?: string): Member[];
  /** The member with this id, if it is one. */
  member(id: string): Member | undefined;
}

/** What an adapter may ask of the server it serves. */
export interface AdapterHost {
  /** This server's id, unique across processes; channel ids start with it. */
  readonly serverId: string;
  /**
   * Writes `frame` to the local channels `delivery` names; returns how many
   * got it. Channels whose id is in `skip` are left out (sessions being
   * handed over: see {@link SessionStore.depart}).
   */
  deliverLocal(frame: Uint8Array, delivery: Delivery, skip?: ReadonlySet<string>): number;
  /** Local channels in `group`, or all local channels. */
  localCount(group?: string): number;
  /** Ids of the local channels in `group`, or of all local channels. */
  localIds(group?: string): string[];
  /** The local channel with this id as a member (groups, presence); undefined once it has gone. */
  localMember(id: string): Member | undefined;
  /** Reports an adapter failure (ADAPTER_FAILED) through the server's logger and `onError`. */
  reportError(error: RepodError): void;
  /** Writes an event (e.g. the adapter recovered) to the server's logger. */
  log(event: LogEvent): void;
  /** Announces a change of the population (the server's `onPresence`); the adapter's `presence` already shows it. */
  presenceAnnounced(change: PresenceChange): void;
}

/** Carries sends and presence between the processes that share one game population. */
export interface Adapter {
  /** Called by `server.start()`; resolves when the adapter can deliver. */
  init(host: AdapterHost): Promise<void>;
  /** Delivers `frame` to everyone `delivery` names, in every process (this one included). */
  publish(frame: Uint8Array, delivery: Delivery): void;
  /**
   * A local channel connected, left for good, joined or left a group, or
   * changed its presence: the adapter reads what it is now from the host
   * (`localMember(id)`), so one call says any of these.
   */
  memberChanged(id: string): void;
  /** The population as announced to this server so far. */
  readonly presence: PresenceView;
  /**
   * Number of members of `group` (or of everyone) across all processes: the
   * view once it includes every change made (anywhere) before the call,
   * this process's own included.
   */
  count(group?: string): Promise<number>;
  /** Members of `group` (or everyone) across all processes, in no particular order; as up to date as `count()`. */
  members(group?: string): Promise<Member[]>;
  /** Called by `server.stop()`. */
  close(): Promise<void>;
  /** How the inspector reaches the other servers (see inspection.ts); absent for an adapter of one process. */
  readonly inspection?: ClusterInspection;
  /**
   * Keeps sessions in the cluster so that another server can resume them
   * (cluster sessions: the Redis adapter with `sessions` on); undefined
   * otherwise, and then nothing of this changes how a server works.
   */
  readonly sessions?: SessionStore | undefined;
}

/** A session leaving this server: its id, and the groups sends match it by while it travels. */
export interface Departure {
  readonly id: string;
  readonly groups: readonly string[];
}

/** A session another server handed over, taken by this one. */
export interface Arrival {
  /** The session as the server it left saved it (see session/snapshot.ts). */
  readonly snapshot: Uint8Array;
  /** True when it is the last checkpoint of a server that died (not a handover): what came after it is not there. */
  readonly recovered?: boolean;
  /**
   * The frames sent to it since it left, in order: call once, at the very
   * moment the session becomes one of this server's local channels, and
   * send them to it after its own retained frames.
   */
  take(): Array<{ frame: Uint8Array; delivery: Delivery }>;
  /** The session is here (its presence written): other servers stop keeping frames for it. */
  settled(): void;
  /** The session could not be restored here after all: frees what was kept for it. */
  abandon(): void;
}

/**
 * Where cluster sessions are kept, and the marker that makes a move exact:
 * only bytes and frames go through it; the session machinery (session/)
 * makes and reads the snapshots.
 */
export interface SessionStore {
  /**
   * The key session tokens are made with: the same on every server of the
   * cluster. Read at `init()`; empty while it could not be read (Redis was
   * down at the start), then read again once Redis is back.
   */
  readonly tokenKey: Uint8Array;
  /**
   * Keeps the schema (msgpack) of one version of the protocol, by its
   * fingerprint, for every server of the cluster: a server of another
   * version that takes a session of a client of that version judges it by
   * it. One key per version; written once per server and version.
   */
  saveSchema?(fingerprint: string, schema: Uint8Array): void;
  /** The schema kept for `fingerprint`, or null. */
  schemaOf?(fingerprint: string): Promise<Uint8Array | null>;
  /** Where this server's clients reconnect when it stops, by the kind of their connection (see `ClusterSessionOptions.advertise`). */
  readonly advertise?: { tcp?: string; websocket?: string } | undefined;
  /** Called (set by the server's sessions) once `tokenKey` was read after being empty. */
  onKey?: (() => void) | undefined;
  /**
   * Hands sessions over to the cluster (a planned stop): from now on this
   * server's own sends skip them; once every send made before the handover
   * reached them here, `snapshot(id)` is called for each, at one moment, and
   * what it returns is stored for `ttlMs`. Every later send for them is
   * kept by the other servers until one of them takes the session. Resolves
   * when the snapshots are stored.
   */
  depart(departures: readonly Departure[], snapshot: (id: string) => Uint8Array | null, ttlMs: number): Promise<void>;
  /** Resolves once every session handed over by this server was taken by another, or after `ms`. */
  taken(ms: number): Promise<void>;
  /**
   * Takes session `id` from the cluster, once `check(snapshot)` (the token,
   * the protocol) finds no reason to refuse: resolves with it, with
   * "elsewhere" when this server cannot have every frame sent to it since it
   * left (it started later: the client should try another server), or with
   * a reason it cannot be resumed at all.
   */
  claim(id: string, check: (snapshot: Uint8Array, recovered: boolean) => string | undefined): Promise<Arrival | "elsewhere" | string>;
  /** How often sessions are checkpointed (undefined: the server's heartbeat interval). */
  readonly checkpointMs?: number | undefined;
  /**
   * Saves the sessions that changed (a crash of this server leaves them for
   * another to take), and forgets those that `ended`, in one write.
   * Resolves to true once all of it is written.
   */
  checkpoint(saves: ReadonlyArray<readonly [string, Uint8Array]>, ended: readonly string[], ttlMs: number): Promise<boolean>;
}
