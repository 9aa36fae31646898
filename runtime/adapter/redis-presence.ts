/**
 * Presence in Redis: who is connected, in which groups, across processes.
 *
 * Each server owns two hashes and refreshes their time to live on every
 * heartbeat; a process that dies without a goodbye stops refreshing them and
 * Redis drops them after `presenceTtlMs`, which is the bound on how long a
 * crashed process's members are still counted.
 *
 * ```
 * <prefix>:servers              set   server ids (pruned lazily when their hashes expired)
 * <prefix>:counts:<server id>   hash  "*" -> members of that server, <group> -> members in group
 * <prefix>:members:<server id>  hash  <channel id> -> {"g": [groups], "p": presence}
 * ```
 *
 * Every write states absolute values (never increments), so a write lost in
 * an outage is repaired by the next one, and a full rewrite after Redis comes
 * back (it may have restarted empty) restores this process's share exactly.
 * The counts hash always holds "*", so it exists exactly while the server is
 * alive: it doubles as the liveness mark.
 *
 * Reads are Lua scripts that visit only live servers; they address keys
 * built from the prefix, so they suit one Redis server (or a replicated
 * one), not Redis Cluster.
 */
import type { Redis } from "ioredis";
import type { AdapterHost, Member, PresenceValue } from "./adapter.ts";

/** The key names of one game population (one prefix). */
export class PresenceKeys {
  readonly servers: string;
  readonly countsPrefix: string;
  readonly membersPrefix: string;
  /** Pub/sub channel of sends to everyone and to groups. */
  readonly bus: string;

  constructor(readonly prefix: string) {
    this.servers = `${prefix}:servers`;
    this.countsPrefix = `${prefix}:counts:`;
    this.membersPrefix = `${prefix}:members:`;
    this.bus = `${prefix}:bus`;
  }

  counts(serverId: string): string {
    return this.countsPrefix + serverId;
  }
  members(serverId: string): string {
    return this.membersPrefix + serverId;
  }
  /** Pub/sub channel of sends to one channel of that server. */
  inbox(serverId: string): string {
    return `${this.prefix}:to:${serverId}`;
  }
}

/** Field of the counts hash that holds a server's whole population. */
export const ALL = "*";

const COUNT_SCRIPT = `
local total = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local n = redis.call('HGET', ARGV[1] .. id, ARGV[2])
  if n then
    total = total + tonumber(n)
  elseif redis.call('EXISTS', ARGV[1] .. id) == 0 then
    redis.call('SREM', KEYS[1], id)
  end
end
return total`;

const MEMBERS_SCRIPT = `
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. id) == 1 then
    local fields = redis.call('HGETALL', ARGV[2] .. id)
    for i = 1, #fields do out[#out + 1] = fields[i] end
  end
end
return out`;

/** Members of `group` (or everyone) in the live servers. */
export async function readCount(redis: Redis, keys: PresenceKeys, group: string | undefined): Promise<number> {
  return Number(await redis.eval(COUNT_SCRIPT, 1, keys.servers, keys.countsPrefix, group ?? ALL));
}

/** Every member of `group` (or everyone) in the live servers. */
export async function readMembers(redis: Redis, keys: PresenceKeys, group: string | undefined): Promise<Member[]> {
  const flat = (await redis.eval(MEMBERS_SCRIPT, 1, keys.servers, keys.countsPrefix, keys.membersPrefix)) as string[];
  const members: Member[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    let entry: { g?: string[]; p?: PresenceValue };
    try {
      entry = JSON.parse(flat[i + 1]!) as typeof entry;
    } catch {
      continue; // not written by us
    }
    const groups = entry.g ?? [];
    if (group === undefined || groups.includes(group)) members.push({ id: flat[i]!, groups, presence: entry.p });
  }
  return members;
}

function memberJson(member: Member): string {
  return JSON.stringify(member.presence === undefined ? { g: member.groups } : { g: member.groups, p: member.presence });
}

/** What changed in this process since the last write. */
export class PresenceChanges {
  /** Rewrite everything (at start, and after Redis came back). */
  full = true;
  readonly groups = new Set<string>();
  readonly members = new Set<string>();

  get any(): boolean {
    return this.full || this.groups.size > 0 || this.members.size > 0;
  }

  clear(): void {
    this.full = false;
    this.groups.clear();
    this.members.clear();
  }
}

/**
 * Writes this server's share of presence in one MULTI (readers never see a
 * half-written state) and refreshes its time to live. Resolves to false when
 * the counts hash had expired before this write (Redis restarted, or this
 * process stalled past the TTL): the caller must then rewrite everything.
 */
export async function writePresence(
  redis: Redis,
  keys: PresenceKeys,
  host: AdapterHost,
  changes: PresenceChanges,
  ttlMs: number,
): Promise<boolean> {
  const id = host.serverId;
  const counts = keys.counts(id);
  const membersKey = keys.members(id);
  const tx = redis.multi();
  tx.pexpire(counts, ttlMs); // 0 when the key had gone: that is the question asked
  if (changes.full) {
    const countOf: Record<string, number> = { [ALL]: 0 };
    const fields: string[] = [];
    for (const channelId of host.localIds()) {
      const member = host.localMember(channelId);
      if (!member) continue;
      countOf[ALL]!++;
      for (const group of member.groups) countOf[group] = (countOf[group] ?? 0) + 1;
      fields.push(channelId, memberJson(member));
    }
    tx.del(counts, membersKey);
    tx.hset(counts, countOf);
    if (fields.length) tx.hset(membersKey, ...fields);
  } else {
    const set: Record<string, number> = { [ALL]: host.localCount() };
    const gone: string[] = [];
    for (const group of changes.groups) {
      const n = host.localCount(group);
      if (n > 0) set[group] = n;
      else gone.push(group);
    }
    tx.hset(counts, set);
    if (gone.length) tx.hdel(counts, ...gone);
    const fields: string[] = [];
    const left: string[] = [];
    for (const channelId of changes.members) {
      const member = host.localMember(channelId);
      if (member) fields.push(channelId, memberJson(member));
      else left.push(channelId);
    }
    if (fields.length) tx.hset(membersKey, ...fields);
    if (left.length) tx.hdel(membersKey, ...left);
  }
  tx.pexpire(counts, ttlMs);
  tx.pexpire(membersKey, ttlMs);
  tx.sadd(keys.servers, id);
  const wasFull = changes.full;
  changes.clear();
  const results = await tx.exec();
  if (!results) throw new Error("the presence transaction was aborted");
  for (const [error] of results) if (error) throw error;
  return wasFull || results[0]![1] === 1;
}

/** Removes this server's share of presence (a clean stop). */
export async function erasePresence(redis: Redis, keys: PresenceKeys, serverId: string): Promise<void> {
  await redis.multi().del(keys.counts(serverId), keys.members(serverId)).srem(keys.servers, serverId).exec();
}
