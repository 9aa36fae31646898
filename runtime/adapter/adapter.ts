/**
 * The adapter seam: every send to everyone, to a group or to one channel by
 * id goes through the server's adapter, already encoded once. The default
 * {@link LocalAdapter} delivers in this process at no cost; the Redis adapter
 * (`repod/redis`) also publishes the same bytes once so that every process
 * writes them to its own members.
 */
import type { RepodError } from "../errors.ts";
import type { LogEvent } from "../logging.ts";

/** Who a send is for. */
export type Audience =
  | { readonly to: "all" }
  | { readonly to: "group"; readonly group: string }
  | { readonly to: "channel"; readonly id: string };

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

/** What an adapter may ask of the server it serves. */
export interface AdapterHost {
  /** This server's id, unique across processes; channel ids start with it. */
  readonly serverId: string;
  /** Writes `frame` to the local channels `delivery` names; returns how many got it. */
  deliverLocal(frame: Uint8Array, delivery: Delivery): number;
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
}

/** Carries sends and presence between the processes that share one game population. */
export interface Adapter {
  /** Called by `server.start()`; resolves when the adapter can deliver. */
  init(host: AdapterHost): Promise<void>;
  /** Delivers `frame` to everyone `delivery` names, in every process (this one included). */
  publish(frame: Uint8Array, delivery: Delivery): void;
  /** A local channel connected / left for good. */
  channelAdded(id: string): void;
  channelRemoved(id: string): void;
  /** A local channel joined / left a group. */
  joined(id: string, group: string): void;
  left(id: string, group: string): void;
  /** A local channel's presence changed. */
  presenceChanged(id: string): void;
  /** Number of members of `group` (or of everyone) across all processes. */
  count(group?: string): Promise<number>;
  /** Members of `group` (or everyone) across all processes, in no particular order. */
  members(group?: string): Promise<Member[]>;
  /** Called by `server.stop()`. */
  close(): Promise<void>;
}
