/**
 * The roster: a server's local population — its channels, by id and by
 * group — and the one loop that writes an encoded frame to those a delivery
 * names. The Server keeps the hooks and the adapter; this keeps the sets.
 *
 * A channel greeted but not yet admitted (while sessions are suspended, see
 * session/server-sessions.ts) is *pending*: not one of the population
 * (`channels`, counts, presence) but already a member of deliveries — to
 * everyone, to the groups it joined as it was made, to its id — so that no
 * message sent after its greeting is lost for it. Its link holds those
 * frames until it is admitted.
 */
import type { Delivery, Member } from "./adapter/adapter.ts";
import { HEADER_BYTES } from "./constants.ts";
import type { RepodError } from "./errors.ts";
import type { Endpoint } from "./host.ts";
import { asMessage, decodePayload } from "./wire/codec.ts";

export class Roster<C extends Endpoint> {
  /** Every connected (or suspended) channel. */
  readonly channels = new Set<C>();
  private readonly byId = new Map<string, C>();
  private readonly groups = new Map<string, Set<C>>();
  /** Greeted, not admitted yet, by id. Empty unless sessions are suspended: then deliveries look here too. */
  private readonly pending = new Map<string, C>();

  has(channel: C): boolean {
    return this.channels.has(channel);
  }

  get(id: string): C | undefined {
    return this.byId.get(id);
  }

  /** A channel greeted before it is admitted: it receives deliveries, and is nobody's member yet. */
  addPending(channel: C): void {
    this.pending.set(channel.id, channel);
  }

  /** The channels greeted and not admitted yet. */
  pendingChannels(): C[] {
    return [...this.pending.values()];
  }

  /** Makes a channel one of the population (a pending one stops being pending). */
  add(channel: C): void {
    if (this.pending.get(channel.id) === channel) this.pending.delete(channel.id);
    this.channels.add(channel);
    this.byId.set(channel.id, channel);
  }

  /** Removes a channel; returns the groups it was in, or null when it was not one of the population (never admitted, or gone). */
  remove(channel: C): string[] | null {
    if (this.pending.get(channel.id) === channel) {
      this.pending.delete(channel.id);
      return null;
    }
    if (!this.channels.delete(channel)) return null;
    this.byId.delete(channel.id);
    const groups = channel.takeGroups();
    return groups.filter((group) => this.leave(channel, group));
  }

  /** Puts a channel in a group; false when the channel is not here (not accepted yet, or gone). */
  join(channel: C, group: string): boolean {
    if (!this.channels.has(channel)) return false;
    let members = this.groups.get(group);
    if (!members) this.groups.set(group, (members = new Set()));
    members.add(channel);
    return true;
  }

  /** Takes a channel out of a group; false when it was not in it. */
  leave(channel: C, group: string): boolean {
    const members = this.groups.get(group);
    if (!members?.delete(channel)) return false;
    if (members.size === 0) this.groups.delete(group);
    return true;
  }

  /**
   * Writes an encoded frame to the channels a delivery names; returns how
   * many got it. A channel whose client runs a version of the protocol
   * without the message's action is skipped (a set lookup, only for such
   * channels).
   */
  deliver(frame: Uint8Array, delivery: Delivery, skip?: ReadonlySet<string>): number {
    const { audience, except } = delivery;
    // Sessions being handed over (cluster sessions): this server's own sends reach them through the other servers.
    if (skip !== undefined && skip.size > 0) return this.deliverSkipping(frame, delivery, skip);
    let action = delivery.action;
    const unread = (channel: C): boolean => {
      const lacks = channel.peerUnread;
      if (lacks === null) return false;
      action ??= actionOf(frame);
      return lacks.has(action);
    };
    if (audience.to === "channel") {
      const channel = this.byId.get(audience.id) ?? (this.pending.size === 0 ? undefined : this.pending.get(audience.id));
      return channel && channel.id !== except && !unread(channel) && sendFrame(channel, frame) ? 1 : 0;
    }
    const members = audience.to === "all" ? this.channels : this.groups.get(audience.group);
    let count = 0;
    if (members) {
      for (const channel of members) {
        if (channel.id !== except && (channel.peerUnread === null || !unread(channel)) && sendFrame(channel, frame)) count++;
      }
    }
    // Someone is pending only while sessions are suspended; otherwise this costs one test.
    if (this.pending.size !== 0) {
      const group = audience.to === "group" ? audience.group : undefined;
      for (const channel of this.pending.values()) {
        if (channel.id !== except && (group === undefined || channel.groups.has(group)) && !unread(channel) && sendFrame(channel, frame)) count++;
      }
    }
    return count;
  }

  /** `deliver` without the channels in `skip`: rare (a planned stop with cluster sessions), so kept apart from the hot loop. */
  private deliverSkipping(frame: Uint8Array, delivery: Delivery, skip: ReadonlySet<string>): number {
    const { audience } = delivery;
    if (audience.to === "channel") return skip.has(audience.id) ? 0 : this.deliver(frame, delivery);
    let count = 0;
    const members = audience.to === "all" ? this.channels : this.groups.get(audience.group);
    for (const channel of [...(members ?? []), ...this.pending.values()]) {
      if (skip.has(channel.id)) continue;
      if (audience.to === "group" && !channel.groups.has(audience.group)) continue;
      count += this.deliver(frame, { ...delivery, audience: { to: "channel", id: channel.id } });
    }
    return count;
  }

  /** Channels in `group`, or all channels. */
  count(group?: string): number {
    return group === undefined ? this.channels.size : (this.groups.get(group)?.size ?? 0);
  }

  /** Ids of the channels in `group`, or of all channels. */
  ids(group?: string): string[] {
    const members = group === undefined ? this.channels : this.groups.get(group);
    return members ? [...members].map((channel) => channel.id) : [];
  }

  /** What presence shows of one channel. */
  member(id: string): Member | undefined {
    const channel = this.byId.get(id);
    if (!channel) return undefined;
    return { id, groups: [...channel.groups], presence: channel.presence };
  }
}

/** The action of an encoded frame (one published by another process, which did not say it). */
export function actionOf(frame: Uint8Array): string {
  try {
    return asMessage(decodePayload(frame, HEADER_BYTES, frame.length)).action;
  } catch {
    return ""; // not ours to judge here: every channel gets it, as before
  }
}

/** One member's share of a delivery: a full resume queue (QUEUE_FULL) is that channel's problem, not the others'. */
function sendFrame(channel: Endpoint, frame: Uint8Array): boolean {
  try {
    return channel.link.send(frame) > 0;
  } catch (error) {
    channel.report(error as RepodError);
    return false;
  }
}
