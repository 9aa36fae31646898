/**
 * Scale-out over a real redis-server and three real server processes
 * (test/helpers/scale-node.ts), driven by real clients on 127.0.0.1.
 * The tests run in order and share the processes: the last ones kill a
 * process and restart Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RawPeer } from "../helpers/raw-peer.ts";
import { RedisServer } from "../helpers/redis-server.ts";
import { type ScaleNode, startNode } from "../helpers/scale-cluster.ts";
import { PATIENCE_MS, sleep, waitFor } from "../helpers/wait.ts";

const PER_NODE = 8;
const HEARTBEAT_MS = 200; // presence TTL 600 ms
const SETTLE_MS = 300; // time for a duplicate to show up after the expected messages arrived

let redis: RedisServer;
let nodes: ScaleNode[] = [];
/** clients[k] is on nodes[Math.floor(k / PER_NODE)]; even k in group "g0", odd in "g1". */
let clients: RawPeer[] = [];
let ref = 0;

const idOf = (peer: RawPeer): string => String(peer.received[0]!.id);
const ns = (peer: RawPeer, action: string): number[] =>
  peer.received
    .filter((m) => m.action === action)
    .map((m) => Number(m.n))
    .sort((a, b) => a - b);
const nodeOf = (k: number): number => Math.floor(k / PER_NODE);

/** Asks a client's server a question and waits for the reply with the same ref. */
async function ask(peer: RawPeer, action: "count" | "members", group?: string): Promise<Record<string, unknown>> {
  const mine = ++ref;
  peer.send(group === undefined ? { action, ref: mine } : { action, ref: mine, group });
  await waitFor(() => peer.received.some((m) => m.ref === mine), `the reply to ${action} ${group ?? ""}`);
  return peer.received.find((m) => m.ref === mine)!;
}

/** Polls `count` on a client's server until it says `n`. */
async function countBecomes(peer: RawPeer, group: string | undefined, n: number, timeoutMs = PATIENCE_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    last = (await ask(peer, "count", group)).n;
    if (last === n) return;
    await sleep(50);
  }
  throw new Error(`count(${group ?? ""}) stayed ${String(last)}, expected ${n}`);
}

beforeAll(async () => {
  redis = await RedisServer.start();
  nodes = await Promise.all([0, 1, 2].map(() => startNode(redis.url, "scale-test", HEARTBEAT_MS)));
  clients = await Promise.all(Array.from({ length: 3 * PER_NODE }, (_, k) => RawPeer.connect(nodes[nodeOf(k)]!.port)));
  for (const [k, peer] of clients.entries()) {
    await peer.waitFor(1, "the greeting");
    peer.send({ action: "join", group: `g${k % 2}` });
    peer.send({ action: "nick", nick: `p${k}` });
  }
  for (const peer of clients) await waitFor(() => peer.actions().includes("nicked"), "join and nick acknowledged");
});

afterAll(async () => {
  for (const peer of clients) peer.close();
  await Promise.all(nodes.map((node) => node.kill("SIGKILL")));
  await redis?.stop();
});

describe("scale-out on Redis, three processes", () => {
  it("ids are unique across the processes and name the process that holds the channel", () => {
    const ids = clients.map(idOf);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [k, id] of ids.entries()) expect(id.startsWith(`${nodes[nodeOf(k)]!.serverId}.`)).toBe(true);
  });

  it("every client gets every all / group / by-id message exactly once, never its except", async () => {
    const n = clients.length;
    clients[0]!.send({ action: "all", n: 1, except: true }); // node 0, leaves itself out
    clients[PER_NODE + 3]!.send({ action: "all", n: 2 }); // node 1, to everyone
    clients[2 * PER_NODE + 1]!.send({ action: "group", group: "g1", n: 3, except: true }); // node 2, odd ones but itself
    clients[4]!.send({ action: "group", group: "g0", n: 4 }); // node 0, even ones
    // By id: each client sends to the client 8 places on, which lives in the next process.
    for (let k = 0; k < n; k++) clients[k]!.send({ action: "to", id: idOf(clients[(k + PER_NODE) % n]!), n: 100 + k });

    const expectAll = (k: number): number[] => (k === 0 ? [2] : [1, 2]);
    const expectGroup = (k: number): number[] => (k % 2 === 0 ? [4] : k === 2 * PER_NODE + 1 ? [] : [3]);
    const expectTo = (k: number): number[] => [100 + ((k - PER_NODE + n) % n)];
    const total = (k: number): number => expectAll(k).length + expectGroup(k).length + expectTo(k).length;
    for (const [k, peer] of clients.entries()) {
      await waitFor(() => ns(peer, "all").length + ns(peer, "group").length + ns(peer, "to").length >= total(k), `client ${k}'s messages`);
    }
    await sleep(SETTLE_MS);
    for (const [k, peer] of clients.entries()) {
      expect({ k, all: ns(peer, "all"), group: ns(peer, "group"), to: ns(peer, "to") }).toEqual({
        k,
        all: expectAll(k),
        group: expectGroup(k),
        to: expectTo(k),
      });
    }
  });

  it("counts members of a group and of everyone across the processes, and lists them with presence", async () => {
    for (const node of [0, 1, 2]) {
      const peer = clients[node * PER_NODE]!;
      await countBecomes(peer, undefined, 3 * PER_NODE);
      expect((await ask(peer, "count", "g0")).n).toBe((3 * PER_NODE) / 2);
      expect((await ask(peer, "count", "g1")).n).toBe((3 * PER_NODE) / 2);
      expect((await ask(peer, "count", "nobody")).n).toBe(0);
    }
    const odd = (await ask(clients[0]!, "members", "g1")).list as Array<{ id: string; presence: { nick: string } }>;
    expect(odd.map((m) => m.presence.nick).sort()).toEqual(
      clients
        .map((_, k) => `p${k}`)
        .filter((_, k) => k % 2 === 1)
        .sort(),
    );
    expect(odd.map((m) => m.id).sort()).toEqual(
      clients
        .filter((_, k) => k % 2 === 1)
        .map(idOf)
        .sort(),
    );

    clients[1]!.send({ action: "leave", group: "g1" });
    await countBecomes(clients[PER_NODE]!, "g1", (3 * PER_NODE) / 2 - 1);
    clients[1]!.send({ action: "join", group: "g1" });
    await countBecomes(clients[PER_NODE]!, "g1", (3 * PER_NODE) / 2);
  });

  it("a killed process's members drop out of presence once their TTL (3 × heartbeat) expires, and by-id sends to them go nowhere", async () => {
    await nodes[2]!.kill("SIGKILL"); // no goodbye
    // How soon depends on Redis expiring the keys (3 × heartbeat) and on how busy the machine is: wait, do not time it.
    await countBecomes(clients[0]!, undefined, 2 * PER_NODE);
    expect((await ask(clients[PER_NODE]!, "count", "g0")).n).toBe(PER_NODE);
    for (const peer of clients.slice(2 * PER_NODE)) await peer.waitClosed();
    clients[0]!.send({ action: "to", id: idOf(clients[2 * PER_NODE]!), n: 999 }); // its process is gone: no error, no delivery
    clients[0]!.send({ action: "all", n: 5 });
    for (const peer of clients.slice(0, 2 * PER_NODE)) await waitFor(() => ns(peer, "all").includes(5), "all 5");
  });

  it("Redis restarted mid-run: local delivery goes on, ADAPTER_FAILED once per outage, then delivery and presence resume, no duplicate", async () => {
    const alive = clients.slice(0, 2 * PER_NODE);
    const onNode0 = alive.slice(0, PER_NODE);
    const onNode1 = alive.slice(PER_NODE);
    await redis.stop("SIGKILL");
    await waitFor(() => nodes[0]!.lines.some((l) => l.error === "ADAPTER_FAILED"), "ADAPTER_FAILED on node 0");

    // While Redis is down: node 0's sends reach node 0's members only.
    for (let n = 10; n < 15; n++) onNode0[0]!.send({ action: "all", n });
    for (const peer of onNode0) await waitFor(() => ns(peer, "all").includes(14), "local delivery while Redis is down");
    const down = await ask(onNode0[0]!, "count");
    expect(down.error).toBe("ADAPTER_FAILED");
    await sleep(SETTLE_MS);
    for (const peer of onNode1) expect(ns(peer, "all").filter((n) => n >= 10 && n < 15)).toEqual([]);

    await redis.restart();
    await waitFor(() => nodes.slice(0, 2).every((node) => node.lines.some((l) => l.event === "adapter-recovered")), "both processes back on Redis");
    for (const node of nodes.slice(0, 2)) {
      expect(node.lines.filter((l) => l.error === "ADAPTER_FAILED")).toHaveLength(1); // one report for the whole outage
    }
    const recovered = nodes[0]!.lines.find((l) => l.event === "adapter-recovered")!;
    expect(recovered.unsent).toBe(5);

    // Presence is written again into the empty Redis.
    await countBecomes(onNode1[0]!, undefined, 2 * PER_NODE);
    expect((await ask(onNode0[0]!, "count", "g1")).n).toBe(PER_NODE);

    // Cross-process delivery resumes, exactly once.
    onNode0[2]!.send({ action: "all", n: 20 });
    onNode1[3]!.send({ action: "group", group: "g0", n: 21 });
    onNode1[5]!.send({ action: "to", id: idOf(onNode0[6]!), n: 22 });
    for (const [k, peer] of alive.entries()) {
      await waitFor(() => ns(peer, "all").includes(20) && (k % 2 === 1 || ns(peer, "group").includes(21)), `client ${k} after the restart`);
    }
    await waitFor(() => ns(onNode0[6]!, "to").includes(22), "by id after the restart");
    await sleep(SETTLE_MS);
    for (const [k, peer] of alive.entries()) {
      expect(ns(peer, "all").filter((n) => n === 20)).toEqual([20]);
      expect(ns(peer, "group").filter((n) => n === 21)).toEqual(k % 2 === 0 ? [21] : []);
    }
    expect(ns(onNode0[6]!, "to").filter((n) => n === 22)).toEqual([22]);
    // The sends made during the outage were not replayed late.
    for (const peer of onNode1) expect(ns(peer, "all").filter((n) => n >= 10 && n < 15)).toEqual([]);
  });
});
