/**
 * The population as one server knows it: every member of every server,
 * changed only by changes applied in version order. Both adapters keep one:
 * it is `server.presence`, and each change applied to it that shows
 * something new becomes one `onPresence(change)`.
 *
 * A member belongs to the server that wrote it, so that a whole share can
 * be replaced (a server rewrote everything) or dropped (a server expired);
 * the member an id shows is kept once, as its server's entry, and only the
 * entries it hides (a session written by two servers) apart. Members travel as JSON,
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
  /**
   * The member each id shows — the one written last, when two servers wrote
   * it (a session that moved) — which is also that server's own entry: each
   * member is kept once.
   */
  private readonly visible = new Map<string, Entry>();
  /** Entries of a server that another server's entry for the same id hides, by server: rare (a session that moved). */
  private readonly hidden = new Map<string, Map<string, Entry>>();
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
    /** Each id touched, with the entry it showed before. */
    const touched = new Map<string, Entry | undefined>();
    if (full) {
      for (const id of this.idsOf(server)) {
        touched.set(id, this.visible.get(id));
        this.remove(server, id);
      }
    }
    for (const [id, json] of updates) {
      if (!touched.has(id)) touched.set(id, this.visible.get(id));
      const entry = json === null ? undefined : parseEntry(server, id, json);
      if (entry) this.put(server, id, entry);
      else this.remove(server, id);
    }
    return this.settle(version, touched, cause, server);
  }

  /** Drops everything `server` wrote (it expired). */
  drop(version: number, server: string): PresenceChange | null {
    return this.apply(version, server, [], true, "expired");
  }

  /** Replaces everything with a snapshot (every server's share) taken at `version`. */
  reset(version: number, shares: ReadonlyMap<string, readonly MemberUpdate[]>): PresenceChange | null {
    const touched = new Map<string, Entry | undefined>(this.visible);
    this.visible.clear();
    this.hidden.clear();
    for (const [server, updates] of shares) {
      for (const [id, json] of updates) {
        const entry = json === null ? undefined : parseEntry(server, id, json);
        if (!entry) continue;
        if (!touched.has(id)) touched.set(id, undefined);
        // The first server's shows, unless the one that showed before still has it (below).
        if (this.visible.has(id)) this.hide(server, id, entry);
        else this.visible.set(id, entry);
      }
    }
    for (const [id, before] of touched) {
      const kept = before && this.hidden.get(serverOf(before))?.get(id);
      if (kept) this.show(id, kept);
    }
    return this.settle(version, touched, "resync", undefined);
  }

  /** Moves the version on without a change (a version that carried nothing for this view). */
  advance(version: number): void {
    if (version > this.version) this.version = version;
  }

  /** The ids `server` has an entry for. */
  private idsOf(server: string): string[] {
    const ids: string[] = [];
    for (const [id, entry] of this.visible) if (serverOf(entry) === server) ids.push(id);
    for (const id of this.hidden.get(server)?.keys() ?? []) ids.push(id);
    return ids;
  }

  /** `server` wrote `entry` for `id`: it shows now (written last). */
  private put(server: string, id: string, entry: Entry): void {
    const shown = this.visible.get(id);
    if (shown !== undefined && serverOf(shown) !== server) this.hide(serverOf(shown), id, shown);
    this.unhide(server, id);
    this.visible.set(id, entry);
  }

  /** `server` has no entry for `id` any more: if it was the one shown, another server's shows, if any has one. */
  private remove(server: string, id: string): void {
    const shown = this.visible.get(id);
    if (shown === undefined || serverOf(shown) !== server) {
      this.unhide(server, id);
      return;
    }
    this.visible.delete(id);
    for (const share of this.hidden.values()) {
      const entry = share.get(id);
      if (entry) return this.show(id, entry);
    }
  }

  /** Shows a hidden entry of `id` instead of the one shown (which is hidden in turn). */
  private show(id: string, entry: Entry): void {
    const shown = this.visible.get(id);
    if (shown === entry) return;
    this.unhide(serverOf(entry), id);
    if (shown !== undefined) this.hide(serverOf(shown), id, shown);
    this.visible.set(id, entry);
  }

  private hide(server: string, id: string, entry: Entry): void {
    let share = this.hidden.get(server);
    if (!share) this.hidden.set(server, (share = new Map()));
    share.set(id, entry);
  }

  private unhide(server: string, id: string): void {
    const share = this.hidden.get(server);
    if (share?.delete(id) && share.size === 0) this.hidden.delete(server);
  }

  /** Compares what each touched id shows now with what it showed; returns the difference. */
  private settle(
    version: number,
    touched: ReadonlyMap<string, Entry | undefined>,
    cause: PresenceChange["cause"],
    server: string | undefined,
  ): PresenceChange | null {
    this.advance(version);
    const joined: Member[] = [];
    const updated: Member[] = [];
    const left: Member[] = [];
    for (const [id, before] of touched) {
      const after = this.visible.get(id);
      if ((before && jsonOf(before)) === (after && jsonOf(after))) continue; // nothing new (maybe the same member, written by another server now)
      if (before) this.index(before, false);
      if (after) {
        this.index(after, true);
        (before ? updated : joined).push(memberOf(id, after));
      } else {
        left.push(memberOf(id, before!));
      }
    }
    if (joined.length + updated.length + left.length === 0) return null;
    return { version: this.version, cause, server, joined, updated, left };
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
