/**
 * The population as one server knows it: every member of every server,
 * changed only by changes applied in version order. Both adapters keep one:
 * it is `server.presence`, and each change applied to it that shows
 * something new becomes one `onPresence(change)`.
 *
 * Each server's share is kept apart (a member belongs to the server that
 * wrote it), so that a whole share can be replaced (a server rewrote
 * everything) or dropped (a server expired). Members travel as JSON,
 * `{"g": [groups], "p": presence}`, which is also how they are compared:
 * an update that writes the same JSON changes nothing.
 */
import type { Member, PresenceChange, PresenceValue, PresenceView } from "./adapter.ts";

/** One member as a server wrote it: its id and JSON, or null when it left. */
export type MemberUpdate = readonly [id: string, json: string | null];

/** Most members are in no group and show no presence: they share one JSON string and one groups array. */
const PLAIN_JSON = '{"g":[]}';
const NO_GROUPS: readonly string[] = Object.freeze([]);

interface Full {
  readonly server: string;
  readonly json: string;
  readonly member: Member;
}

/**
 * A member as kept: for a plain one (no group, no presence: most of them),
 * only the id of the server that wrote it, a string every member of that
 * server shares; its Member is made when someone reads it.
 */
type Entry = Full | string;

const serverOf = (entry: Entry): string => (typeof entry === "string" ? entry : entry.server);
const jsonOf = (entry: Entry): string => (typeof entry === "string" ? PLAIN_JSON : entry.json);
const memberOf = (id: string, entry: Entry): Member => (typeof entry === "string" ? { id, groups: NO_GROUPS, presence: undefined } : entry.member);

/** The JSON a member travels as; null for a channel that is no longer there. */
export function memberJson(member: Member | undefined): string | null {
  if (!member) return null;
  if (member.groups.length === 0 && member.presence === undefined) return PLAIN_JSON;
  return JSON.stringify(member.presence === undefined ? { g: member.groups } : { g: member.groups, p: member.presence });
}

export class Population implements PresenceView {
  version = 0;
  /** The member each id shows: the one written last, when two servers wrote it (a session that moved). */
  private readonly visible = new Map<string, Entry>();
  private readonly shares = new Map<string, Map<string, Entry>>();
  private readonly groups = new Map<string, Set<string>>();

  count(group?: string): number {
    return group === undefined ? this.visible.size : (this.groups.get(group)?.size ?? 0);
  }

  members(group?: string): Member[] {
    const ids = group === undefined ? this.visible.keys() : (this.groups.get(group) ?? []);
    const out: Member[] = [];
    for (const id of ids) out.push(memberOf(id, this.visible.get(id)!));
    return out;
  }

  member(id: string): Member | undefined {
    const entry = this.visible.get(id);
    return entry === undefined ? undefined : memberOf(id, entry);
  }

  /**
   * Applies what `server` wrote at `version`: members set or removed, or,
   * when `full`, its whole share (members it had and did not list are gone).
   * Returns the change a reader can see, or null when there is none.
   */
  apply(version: number, server: string, updates: readonly MemberUpdate[], full: boolean, cause: PresenceChange["cause"] = "change"): PresenceChange | null {
    const share = this.shares.get(server) ?? new Map<string, Entry>();
    const touched = new Set<string>();
    if (full) {
      for (const id of share.keys()) touched.add(id);
      share.clear();
    }
    for (const [id, json] of updates) {
      touched.add(id);
      const entry = json === null ? undefined : parseEntry(server, id, json);
      if (entry) share.set(id, entry);
      else share.delete(id);
    }
    if (share.size > 0) this.shares.set(server, share);
    else this.shares.delete(server);
    return this.settle(version, touched, cause, server);
  }

  /** Drops everything `server` wrote (it expired). */
  drop(version: number, server: string): PresenceChange | null {
    return this.apply(version, server, [], true, "expired");
  }

  /** Replaces everything with a snapshot (every server's share) taken at `version`. */
  reset(version: number, shares: ReadonlyMap<string, readonly MemberUpdate[]>): PresenceChange | null {
    const touched = new Set<string>(this.visible.keys());
    this.shares.clear();
    for (const [server, updates] of shares) {
      const share = new Map<string, Entry>();
      for (const [id, json] of updates) {
        const entry = json === null ? undefined : parseEntry(server, id, json);
        if (entry) {
          share.set(id, entry);
          touched.add(id);
        }
      }
      if (share.size > 0) this.shares.set(server, share);
    }
    return this.settle(version, touched, "resync", undefined);
  }

  /** Moves the version on without a change (a version that carried nothing for this view). */
  advance(version: number): void {
    if (version > this.version) this.version = version;
  }

  /** Recomputes what each touched id shows; returns the difference. */
  private settle(version: number, touched: Set<string>, cause: PresenceChange["cause"], server: string | undefined): PresenceChange | null {
    this.advance(version);
    const joined: Member[] = [];
    const updated: Member[] = [];
    const left: Member[] = [];
    for (const id of touched) {
      const before = this.visible.get(id);
      const after = (server !== undefined ? this.shares.get(server)?.get(id) : undefined) ?? this.shown(id, before);
      if ((before && jsonOf(before)) === (after && jsonOf(after))) {
        if (after && before !== after) this.visible.set(id, after); // same member, written by another server now
        continue;
      }
      if (before) this.index(before, false);
      if (after) {
        this.visible.set(id, after);
        this.index(after, true);
        (before ? updated : joined).push(memberOf(id, after));
      } else {
        this.visible.delete(id);
        left.push(memberOf(id, before!));
      }
    }
    if (joined.length + updated.length + left.length === 0) return null;
    return { version: this.version, cause, server, joined, updated, left };
  }

  /** What `id` shows now: the entry it showed if its server still has it, else any server's. */
  private shown(id: string, before: Entry | undefined): Entry | undefined {
    const kept = before && this.shares.get(serverOf(before))?.get(id);
    if (kept) return kept;
    for (const share of this.shares.values()) {
      const entry = share.get(id);
      if (entry) return entry;
    }
    return undefined;
  }

  private index(entry: Entry, add: boolean): void {
    if (typeof entry === "string") return; // a plain member is in no group
    for (const group of entry.member.groups) {
      let ids = this.groups.get(group);
      if (add) {
        if (!ids) this.groups.set(group, (ids = new Set()));
        ids.add(entry.member.id);
      } else if (ids) {
        ids.delete(entry.member.id);
        if (ids.size === 0) this.groups.delete(group);
      }
    }
  }
}

function parseEntry(server: string, id: string, json: string): Entry | undefined {
  if (json === PLAIN_JSON) return server;
  let value: { g?: unknown; p?: PresenceValue };
  try {
    value = JSON.parse(json) as typeof value;
  } catch {
    return undefined; // not written by us
  }
  const groups = Array.isArray(value?.g) ? value.g.filter((g): g is string => typeof g === "string") : [];
  return { server, json, member: { id, groups, presence: value?.p } };
}
