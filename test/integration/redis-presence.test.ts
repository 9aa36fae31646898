/**
 * Presence across servers on one real redis-server: every server announces
 * the same changes in the same order (`onPresence`), each once it can be
 * read; `count()` and `members()` read this server's own writes and every
 * change made before the call; a crashed server's members are announced
 * gone; after a Redis outage the views agree again.
 */
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { memberJson } from "../../runtime/adapter/population.ts";
import { PresenceKeys, writePresence } from "../../runtime/adapter/redis-presence.ts";
import { type AnyMessage, Channel, type PresenceChange, type RepodError, Server } from "../../runtime/index.ts";
import { RedisAdapter } from "../../runtime/redis.ts";
import { RawPeer } from "../helpers/raw-peer.ts";
import { RedisServer } from "../helpers/redis-server.ts";
import { waitFor } from "../helpers/wait.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

class Player extends Channel {
  Network_nick(data: AnyMessage): void {
    this.setPresence(String(data.nick));
  }
  Network_join(data: AnyMessage): void {
    this.join(String(data.group));
  }
  Network_leave(data: AnyMessage): void {
    this.leave(String(data.group));
  }
  /** Sets a nickname and answers with the member list read right after. */
  Network_nickAndList(data: AnyMessage): void {
    this.setPresence(String(data.nick));
    void this.server.members().then((list) => this.send({ action: "list", ids: list.map((m) => m.id) }));
  }
}

/** What a server's view was right after one announced change. */
interface Seen {
  version: number;
  cause: string;
  members: string[];
  count: number;
  inGroup: number;
}

class Watching extends Server<Player> {
  readonly seen: Seen[] = [];
  readonly changes: PresenceChange[] = [];
  readonly errors: RepodError[] = [];
  override onPresence(change: PresenceChange): void {
    this.changes.push(change);
    const members = this.presence
      .members()
      .map((m) => `${m.id}=${String(m.presence)}:${m.groups.join("+")}`)
      .sort();
    this.seen.push({ version: change.version, cause: change.cause, members, count: this.presence.count(), inGroup: this.presence.count("g") });
  }
  override onError(error: RepodError): void {
    this.errors.push(error);
  }
}

async function cluster(url: string, prefix: string, n: number, heartbeatMs = 1000): Promise<Watching[]> {
  const servers: Watching[] = [];
  for (let i = 0; i < n; i++) {
    const server = new Watching({ channelClass: Player, port: 0, adapter: new RedisAdapter({ url, prefix, heartbeatMs }) });
    await server.start();
    cleanup.push(() => server.stop());
    servers.push(server);
  }
  return servers;
}

async function peer(server: Server<Player>): Promise<RawPeer> {
  const p = await RawPeer.connect(server.address.port);
  cleanup.push(() => p.close());
  await p.waitFor(1, "the greeting");
  return p;
}

async function redisServer(): Promise<RedisServer> {
  const redis = await RedisServer.start();
  cleanup.push(() => redis.stop());
  return redis;
}

describe("presence across servers (Redis)", () => {
  it("every server announces the same changes in the same order; the last view and count() are the same and exact", async () => {
    const redis = await redisServer();
    const servers = await cluster(redis.url, "presence-order", 3);
    const from = Math.max(...servers.map((s) => s.presence.version)); // the history all three share starts here
    // 30 raw clients at once across the servers: nickname, group, rename, leave the group, disconnect.
    const peers = await Promise.all(
      Array.from({ length: 30 }, async (_, k) => {
        const p = await peer(servers[k % 3]!);
        p.send({ action: "nick", nick: `p${k}` });
        if (k % 2 === 0) p.send({ action: "join", group: "g" });
        if (k % 4 === 0) p.send({ action: "nick", nick: `q${k}` });
        if (k % 6 === 0) p.send({ action: "leave", group: "g" });
        if (k % 5 === 0) p.close();
        return p;
      }),
    );
    const staying = peers.flatMap((p, k) => (k % 5 === 0 ? [] : [{ id: String(p.received[0]!.id), k }]));
    const expected = staying.map(({ id, k }) => `${id}=${k % 4 === 0 ? `q${k}` : `p${k}`}:${k % 2 === 0 && k % 6 !== 0 ? "g" : ""}`).sort();
    const inGroup = staying.filter(({ k }) => k % 2 === 0 && k % 6 !== 0).length;
    // Each server has taken its own clients' changes in …
    const local = (server: Watching): string[] => [...server.channels].map((c) => `${c.id}=${String(c.presence)}:${[...c.groups].join("+")}`).sort();
    await waitFor(() => JSON.stringify(servers.flatMap(local).sort()) === JSON.stringify(expected), "every server's own channels to be final");
    // A server's own changes reach Redis a moment after its channels change (one write per tick); a read on
    // a server writes that server's first. Once each server has read (and so written its own) …
    for (const server of servers) await server.count();
    // … count() anywhere includes every change made anywhere before it is called.
    for (const server of servers) expect(await server.count()).toBe(staying.length);
    for (const server of servers) expect(await server.count("g")).toBe(inGroup);
    // The same history everywhere: the same versions, and the same view after each.
    const history = (server: Watching): Seen[] => server.seen.filter((s) => s.version > from);
    expect(history(servers[0]!).length).toBeGreaterThan(0);
    for (const server of servers.slice(1)) expect(history(server)).toEqual(history(servers[0]!));
    const last = history(servers[0]!).at(-1)!;
    expect(last).toMatchObject({ members: expected, count: staying.length, inGroup });
    for (const server of servers) expect(server.presence.version).toBe(servers[0]!.presence.version);
    for (const server of servers) expect(server.errors).toEqual([]);
  });

  it("a server reads its own writes, and every change another server made before the call", async () => {
    const redis = await redisServer();
    const [a, b] = await cluster(redis.url, "presence-reads", 2);
    const pa = await peer(a!);
    pa.send({ action: "nickAndList", nick: "ann" });
    await waitFor(() => pa.received.some((m) => m.action === "list"), "the list");
    expect(pa.received.find((m) => m.action === "list")!.ids).toContain(String(pa.received[0]!.id));

    const pb = await peer(b!);
    pb.send({ action: "nickAndList", nick: "bob" }); // answered once b's write is in Redis
    await waitFor(() => pb.received.some((m) => m.action === "list"), "the list");
    const bob = (await a!.members()).find((m) => m.id === String(pb.received[0]!.id));
    expect(bob?.presence).toBe("bob");
    expect(a!.presence.member(String(pb.received[0]!.id))?.presence).toBe("bob"); // the view has it too, since members() waited for it
  });

  it("a send with { local: true } reaches this server's channels only, a plain one every server's", async () => {
    const redis = await redisServer();
    const [a, b] = await cluster(redis.url, "presence-local", 2);
    const [pa, pb] = [await peer(a!), await peer(b!)];
    a!.sendToAll({ action: "mine", n: 1 }, { local: true });
    a!.sendToGroup("nobody", { action: "mine", n: 2 }, { local: true });
    a!.sendToAll({ action: "all", n: 3 });
    await pa.waitFor(3);
    await pb.waitFor(2);
    expect(pa.received.slice(1)).toEqual([
      { action: "mine", n: 1 },
      { action: "all", n: 3 },
    ]);
    expect(pb.received.slice(1)).toEqual([{ action: "all", n: 3 }]); // the plain send came after the local one, through the same Redis
  });

  it("a server that stops refreshing its share (a crash) is announced gone, as expired, by the others", async () => {
    const redis = await redisServer();
    const [a] = await cluster(redis.url, "presence-crash", 1, 50);
    // A server that wrote its share once and died: its keys live 200 ms.
    const ghost = new Redis(redis.url);
    cleanup.push(() => ghost.disconnect());
    const member = memberJson({ id: "ghost.1", groups: ["g"], presence: "boo" })!;
    await writePresence(ghost, new PresenceKeys("presence-crash"), "ghost", { full: true, updates: [["ghost.1", member]] }, 200, 0);
    await waitFor(() => a!.changes.some((c) => c.cause === "expired" && c.server === "ghost"), "the ghost to expire");
    const joined = a!.changes.find((c) => c.joined.some((m) => m.id === "ghost.1"));
    const expired = a!.changes.find((c) => c.cause === "expired" && c.server === "ghost")!;
    expect(joined).toMatchObject({ cause: "change", server: "ghost", joined: [{ id: "ghost.1", groups: ["g"], presence: "boo" }] });
    expect(expired).toMatchObject({ cause: "expired", server: "ghost", joined: [], updated: [], left: [{ id: "ghost.1", groups: ["g"], presence: "boo" }] });
    expect(expired.version).toBeGreaterThan(joined!.version);
    expect(await a!.count()).toBe(0);
  });

  it("while Redis is down the views hold and reads reject; once it is back every view agrees with the population again", async () => {
    const redis = await redisServer();
    const [a, b] = await cluster(redis.url, "presence-outage", 2, 100);
    const pa = [await peer(a!), await peer(a!)];
    const pb = await peer(b!);
    for (const [i, p] of [...pa, pb].entries()) p.send({ action: "nick", nick: `n${i}` });
    await waitFor(() => a!.presence.count() === 3 && b!.presence.count() === 3, "both views to hold three");

    await redis.stop("SIGKILL");
    await waitFor(() => a!.errors.some((e) => e.code === "ADAPTER_FAILED") && b!.errors.some((e) => e.code === "ADAPTER_FAILED"), "ADAPTER_FAILED on both");
    await expect(a!.count()).rejects.toMatchObject({ code: "ADAPTER_FAILED" });
    await expect(b!.members()).rejects.toMatchObject({ code: "ADAPTER_FAILED" });
    const announced = a!.changes.length;
    pa[0]!.close(); // changes made during the outage
    const late = await peer(b!);
    late.send({ action: "nick", nick: "late" });
    await waitFor(() => a!.channels.size === 1 && [...b!.channels].some((c) => c.presence === "late"), "the changes to be taken locally");
    expect(a!.changes.length).toBe(announced); // nothing announced while Redis is down
    expect(a!.presence.count()).toBe(3); // the last view held

    await redis.restart();
    const truth = [pa[1]!, pb, late].map((p) => String(p.received[0]!.id)).sort();
    const ids = (server: Watching): string[] =>
      server.presence
        .members()
        .map((m) => m.id)
        .sort();
    await waitFor(
      () =>
        JSON.stringify(ids(a!)) === JSON.stringify(truth) && JSON.stringify(ids(b!)) === JSON.stringify(truth) && a!.presence.version === b!.presence.version,
      "both views to agree with the population",
    );
    expect(await a!.count()).toBe(3);
    expect(await b!.count()).toBe(3);
    expect(a!.seen.at(-1)!.members).toEqual(b!.seen.at(-1)!.members);
  });
});
