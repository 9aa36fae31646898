/**
 * Presence in Redis: who is connected, in which groups, across processes,
 * and the stream of changes every server applies in one order.
 *
 * ```
 * <prefix>:servers              set     server ids (pruned by the sweep once their mark expired)
 * <prefix>:alive:<server id>    string  the server's liveness mark, time to live presenceTtlMs
 * <prefix>:members:<server id>  hash    <channel id> -> {"g": [groups], "p": presence}; same time to live
 * <prefix>:version              string  version of the last change
 * <prefix>:presence             pub/sub "<version> <change as JSON>", one per change
 * ```
 *
 * Every write is one Lua script that changes a server's share, takes the
 * next version and publishes the change with it: Redis runs scripts one at
 * a time, so the versions are the order in which changes became visible,
 * every subscriber receives them in that order, and none is announced
 * before it can be read. A change is `{"s": server, "m": [[id, json or
 * null], …]}`, with `"f": 1` when it is the server's whole share (it
 * replaces what the server had), `{"s": server, "x": 1}` when a server's
 * share expired, and `{}` when a snapshot took a version.
 *
 * A server refreshes its mark on every heartbeat; a process that dies
 * without a goodbye stops refreshing it, Redis drops its keys after
 * `presenceTtlMs`, and the next sweep (any server's heartbeat) publishes
 * its members' departure. Writes state absolute values (never increments),
 * so a server whose mark had gone (Redis restarted empty, or the process
 * stalled past the TTL) rewrites its whole share and nothing is lost.
 *
 * Versions never go back, even across a Redis restart that lost them: a
 * writer passes the version it knows as a floor.
 *
 * Scripts address keys built from the prefix, so they suit one Redis
 * server (or a replicated one), not Redis Cluster.
 */
import type { Redis } from "ioredis";
import type { AdapterHost } from "./adapter.ts";
import { type MemberUpdate, memberJson } from "./population.ts";

/** The key names of one game population (one prefix). */
export class PresenceKeys {
  readonly servers: string;
  readonly alivePrefix: string;
  readonly membersPrefix: string;
  readonly version: string;
  /** Pub/sub channel of presence changes. */
  readonly changes: string;
  /** Pub/sub channel of sends to everyone and to groups. */
  readonly bus: string;

  constructor(readonly prefix: string) {
    this.servers = `${prefix}:servers`;
    this.alivePrefix = `${prefix}:alive:`;
    this.membersPrefix = `${prefix}:members:`;
    this.version = `${prefix}:version`;
    this.changes = `${prefix}:presence`;
    this.bus = `${prefix}:bus`;
  }

  alive(serverId: string): string {
    return this.alivePrefix + serverId;
  }
  members(serverId: string): string {
    return this.membersPrefix + serverId;
  }
  /** Pub/sub channel of sends to one channel of that server. */
  inbox(serverId: string): string {
    return `${this.prefix}:to:${serverId}`;
  }
}

/** The next version: one past the last, and past the writer's floor (see above). */
const NEXT_VERSION = `
local function next_version(key, floor)
  local v = math.max(tonumber(redis.call('GET', key) or '0'), tonumber(floor)) + 1
  redis.call('SET', key, v)
  return v
end`;

/** Drops the shares of servers whose mark expired, announcing each. */
const SWEEP = `
local function sweep(servers, version, alive_prefix, members_prefix, channel, floor)
  local swept = 0
  for _, id in ipairs(redis.call('SMEMBERS', servers)) do
    if redis.call('EXISTS', alive_prefix .. id) == 0 then
      redis.call('SREM', servers, id)
      redis.call('DEL', members_prefix .. id)
      local v = next_version(version, floor)
      redis.call('PUBLISH', channel, v .. ' ' .. cjson.encode({ s = id, x = 1 }))
      swept = swept + 1
    end
  end
  return swept
end`;

/**
 * KEYS: members hash, alive mark, servers set, version.
 * ARGV: ttl ms, full ("1"/"0"), server id, changes channel, floor, change JSON ("" when there is none:
 * a heartbeat), n, then n id/json pairs to set, then ids to delete.
 * Returns -1 (nothing done: the mark had gone, write everything), 0 (refreshed) or the change's version.
 */
const WRITE_SCRIPT = `${NEXT_VERSION}
if ARGV[2] == '0' and redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
if ARGV[2] == '1' then redis.call('DEL', KEYS[1]) end
local n = tonumber(ARGV[7])
for i = 0, n - 1 do redis.call('HSET', KEYS[1], ARGV[8 + 2 * i], ARGV[9 + 2 * i]) end
for i = 8 + 2 * n, #ARGV do redis.call('HDEL', KEYS[1], ARGV[i]) end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[3])
if ARGV[6] == '' then return 0 end
local v = next_version(KEYS[4], ARGV[5])
redis.call('PUBLISH', ARGV[4], v .. ' ' .. ARGV[6])
return v`;

/** KEYS: servers set, version. ARGV: alive prefix, members prefix, changes channel, floor. Returns how many expired. */
const SWEEP_SCRIPT = `${NEXT_VERSION}${SWEEP}
return sweep(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4])`;

/**
 * The whole population at one version (sweeping first, so that it agrees with the stream).
 * KEYS and ARGV as the sweep. Returns {version, server id, {id, json, …}, server id, …}.
 */
const SNAPSHOT_SCRIPT = `${NEXT_VERSION}${SWEEP}
sweep(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
local v = next_version(KEYS[2], ARGV[4])
redis.call('PUBLISH', ARGV[3], v .. ' {}')
local out = { v }
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGETALL', ARGV[2] .. id)
end
return out`;

/** KEYS: members hash, alive mark, servers set, version. ARGV: server id, changes channel, floor, change JSON. */
const ERASE_SCRIPT = `${NEXT_VERSION}
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('SREM', KEYS[3], ARGV[1])
local v = next_version(KEYS[4], ARGV[3])
redis.call('PUBLISH', ARGV[2], v .. ' ' .. ARGV[4])
return v`;

/** A change as published, read back. */
export type PublishedChange =
  | { readonly kind: "write"; readonly server: string; readonly full: boolean; readonly updates: MemberUpdate[] }
  | { readonly kind: "expired"; readonly server: string }
  | { readonly kind: "none" };

/** Reads one message of the changes channel; a reason instead when it is not one (never throws). */
export function readChange(text: string): { version: number; change: PublishedChange } | string {
  const space = text.indexOf(" ");
  const version = Number(text.slice(0, space));
  if (space < 0 || !Number.isSafeInteger(version) || version <= 0) return "no version";
  let body: { s?: unknown; f?: unknown; x?: unknown; m?: unknown };
  try {
    body = JSON.parse(text.slice(space + 1)) as typeof body;
  } catch {
    return "not JSON";
  }
  if (body === null || typeof body !== "object") return "not an object";
  if (body.s === undefined) return { version, change: { kind: "none" } };
  if (typeof body.s !== "string") return "no server";
  if (body.x === 1) return { version, change: { kind: "expired", server: body.s } };
  if (!Array.isArray(body.m)) return "no members";
  const updates: MemberUpdate[] = [];
  for (const item of body.m as unknown[]) {
    if (!Array.isArray(item) || typeof item[0] !== "string" || (typeof item[1] !== "string" && item[1] !== null)) return "a bad member";
    updates.push([item[0], item[1] as string | null]);
  }
  return { version, change: { kind: "write", server: body.s, full: body.f === 1, updates } };
}

/** What changed in this process since the last write. */
export class PresenceChanges {
  /** Rewrite everything (at start, and after Redis came back). */
  full = true;
  readonly members = new Set<string>();

  get any(): boolean {
    return this.full || this.members.size > 0;
  }

  /** Takes what changed, as the members to write now; clears it. */
  take(host: AdapterHost): { full: boolean; updates: MemberUpdate[] } {
    const full = this.full;
    const ids = full ? host.localIds() : [...this.members];
    const updates: MemberUpdate[] = [];
    for (const id of ids) {
      const json = memberJson(host.localMember(id));
      if (json !== null || !full) updates.push([id, json]);
    }
    this.full = false;
    this.members.clear();
    return { full, updates };
  }
}

/**
 * Writes this server's share (what changed, or all of it), refreshes its
 * time to live and publishes the change, in one script. Resolves to the
 * change's version, 0 when there was nothing to announce (a heartbeat), or
 * -1 when nothing was written because the mark had gone (Redis restarted,
 * or this process stalled past the TTL): the caller must write everything.
 */
export async function writePresence(
  redis: Redis,
  keys: PresenceKeys,
  serverId: string,
  write: { full: boolean; updates: readonly MemberUpdate[] },
  ttlMs: number,
  floor: number,
): Promise<number> {
  const set: string[] = [];
  const gone: string[] = [];
  for (const [id, json] of write.updates) {
    if (json === null) gone.push(id);
    else set.push(id, json);
  }
  const announce = write.full || write.updates.length > 0;
  const change = announce ? JSON.stringify(write.full ? { s: serverId, f: 1, m: write.updates } : { s: serverId, m: write.updates }) : "";
  const result = await redis.eval(
    WRITE_SCRIPT,
    4,
    keys.members(serverId),
    keys.alive(serverId),
    keys.servers,
    keys.version,
    String(ttlMs),
    write.full ? "1" : "0",
    serverId,
    keys.changes,
    String(floor),
    change,
    String(set.length / 2),
    ...set,
    ...gone,
  );
  return Number(result);
}

/** Drops the shares of servers that stopped refreshing them; resolves to how many. */
export async function sweepPresence(redis: Redis, keys: PresenceKeys, floor: number): Promise<number> {
  return Number(await redis.eval(SWEEP_SCRIPT, 2, keys.servers, keys.version, keys.alivePrefix, keys.membersPrefix, keys.changes, String(floor)));
}

/** Every live server's share, at one version. */
export async function readSnapshot(redis: Redis, keys: PresenceKeys, floor: number): Promise<{ version: number; shares: Map<string, MemberUpdate[]> }> {
  const reply = (await redis.eval(SNAPSHOT_SCRIPT, 2, keys.servers, keys.version, keys.alivePrefix, keys.membersPrefix, keys.changes, String(floor))) as [
    number,
    ...Array<string | string[]>,
  ];
  const shares = new Map<string, MemberUpdate[]>();
  for (let i = 1; i + 1 < reply.length; i += 2) {
    const fields = reply[i + 1] as string[];
    const share: MemberUpdate[] = [];
    for (let j = 0; j + 1 < fields.length; j += 2) share.push([fields[j]!, fields[j + 1]!]);
    shares.set(reply[i] as string, share);
  }
  return { version: Number(reply[0]), shares };
}

/** Removes this server's share and announces it (a clean stop). */
export async function erasePresence(redis: Redis, keys: PresenceKeys, serverId: string, floor: number): Promise<void> {
  const change = JSON.stringify({ s: serverId, f: 1, m: [] });
  await redis.eval(ERASE_SCRIPT, 4, keys.members(serverId), keys.alive(serverId), keys.servers, keys.version, serverId, keys.changes, String(floor), change);
}
