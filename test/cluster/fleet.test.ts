/**
 * The fleet's counting, proven both ways: a server that resumes every
 * client after their connections are cut shows nothing lost, duplicated or
 * reordered; a server that breaks its promises on purpose is caught, each
 * fault in the direction it happened.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { ChatServer } from "./chat-server.ts";
import { startCluster } from "./cluster.ts";
import { chatPeer, type Fleet, startFleet } from "./fleet.ts";
import { startLoadBalancer } from "./load-balancer.ts";
import { startServer, stopAll } from "./processes.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(stopAll);

function rounds(fleet: Fleet, n: number): void {
  for (let i = 0; i < n; i++) fleet.sendRound();
}

describe("client fleet", () => {
  it("counts 0 lost, 0 duplicated, 0 out of order both ways when every connection is cut and resumed", async () => {
    const server = await startServer("test/cluster/chat-server.ts", ["--port", "0"]);
    cleanup.push(() => server.stop());
    const lb = await startLoadBalancer({ backends: () => [{ host: "127.0.0.1", port: server.port }] });
    cleanup.push(() => lb.close());
    const fleet = await startFleet({ clients: 12, roomSize: 4, peer: chatPeer({ port: lb.port }) });
    cleanup.push(() => fleet.close());

    rounds(fleet, 3);
    const cutAt = performance.now();
    // Cut in the same tick as the sends: some lines are still on their way and must be resent.
    lb.cutAll();
    rounds(fleet, 3); // said while reconnecting: kept and sent after the resume
    await fleet.waitFor(() => fleet.resumedCount() === 12, "every client to resume");
    rounds(fleet, 2);
    const settled = await fleet.settle();
    const report = fleet.report();
    expect(settled, JSON.stringify(report)).toBe(true);
    expect(report).toMatchObject({
      clients: 12,
      said: 12 * 8,
      received: 12 * 8 * 4,
      lost: { toServer: 0, toClient: 0 },
      duplicated: { toServer: 0, toClient: 0 },
      outOfOrder: { toServer: 0, toClient: 0 },
      resumed: 12,
      freshSessions: 0,
      disconnected: 0,
      sendFailures: 0,
      misdelivered: 0,
    });
    expect(report.resumes).toBe(12);
    const times = fleet.resumeTimes(cutAt);
    expect(times).toHaveLength(12);
    for (const ms of times) expect(ms).toBeGreaterThanOrEqual(0);
  });

  it("counts the same over WebSocket through the balancer: cut, resumed, nothing lost or repeated", async () => {
    const server = new ChatServer({ tcp: false, websocket: { port: 0 } });
    await server.start();
    cleanup.push(() => server.stop());
    const lb = await startLoadBalancer({ backends: () => [{ host: "127.0.0.1", port: server.websocketAddress!.port }] });
    cleanup.push(() => lb.close());
    const fleet = await startFleet({ clients: 6, roomSize: 3, peer: chatPeer({ url: `ws://127.0.0.1:${lb.port}/` }) });
    cleanup.push(() => fleet.close());
    rounds(fleet, 2);
    lb.cutAll();
    rounds(fleet, 2);
    await fleet.waitFor(() => fleet.resumedCount() === 6, "every client to resume");
    expect(await fleet.settle()).toBe(true);
    expect(fleet.report()).toMatchObject({
      said: 6 * 4,
      received: 6 * 4 * 3,
      lost: { toServer: 0, toClient: 0 },
      duplicated: { toServer: 0, toClient: 0 },
      outOfOrder: { toServer: 0, toClient: 0 },
      freshSessions: 0,
    });
  });

  it("counts fresh sessions and clients gone: a killed server's clients start over on another (resume stays within one process today), a stopped one's leave", async () => {
    const cluster = await startCluster({
      script: "test/cluster/chat-server.ts",
      servers: 2,
      args: (redis) => ["--port", "0", "--redis", redis, "--prefix", `fleet-${process.pid}`],
    });
    cleanup.push(() => cluster.close());
    // Rooms of 4 over round-robin: every room spans both servers, through Redis.
    const fleet = await startFleet({ clients: 8, roomSize: 4, peer: chatPeer({ port: cluster.lb.port }) });
    cleanup.push(() => fleet.close());
    rounds(fleet, 2);
    expect(await fleet.settle()).toBe(true);
    expect(fleet.report()).toMatchObject({ lost: { toServer: 0, toClient: 0 }, duplicated: { toServer: 0, toClient: 0 }, freshSessions: 0 });

    expect([cluster.clientsOn(0), cluster.clientsOn(1)]).toEqual([4, 4]);
    await cluster.kill(1);
    await fleet.waitFor(() => fleet.freshSessions() === 4 && fleet.connectedCount() === 8, "the killed server's clients to start over");
    expect(fleet.resumedCount()).toBe(0);
    expect(fleet.report().errors).toEqual({ RESUME_FAILED: 4 });
    expect(cluster.clientsOn(0)).toBe(8);

    await cluster.start(1);
    expect(cluster.server(1)?.exited).toBe(false);
    expect(await cluster.stop(0)).toBe(0);
    await fleet.waitFor(() => fleet.report().disconnected === 8, "a planned stop to end every session (no cluster sessions here)");
    expect(cluster.clientsOn(1)).toBe(0);
  });

  it("catches a line lost, duplicated or reordered, in the direction it happened", async () => {
    const server = new ChatServer();
    await server.start();
    cleanup.push(() => server.stop());
    const fleet = await startFleet({ clients: 6, roomSize: 3, peer: chatPeer({ port: server.address.port }) });
    cleanup.push(() => fleet.close());
    const base = fleet.nextSeq(0);
    for (let i = 1; i < 6; i++) expect(fleet.nextSeq(i)).toBe(base);
    // Every sender's line of each of these seqs is broken once; the last line (base + 13) is whole.
    server.sabotage = new Map([
      [base + 1, "drop-up"],
      [base + 3, "dup-up"],
      [base + 5, "swap-up"],
      [base + 7, "drop-down"],
      [base + 9, "dup-down"],
      [base + 11, "swap-down"],
    ]);
    rounds(fleet, 14);
    await fleet.settleLast();
    const report = fleet.report();
    expect(report).toMatchObject({
      said: 6 * 14,
      lost: { toServer: 6, toClient: 6 },
      duplicated: { toServer: 6, toClient: 6 },
      outOfOrder: { toServer: 6, toClient: 6 },
      freshSessions: 0,
      misdelivered: 0,
    });
    expect(fleet.lost()).toEqual({ toServer: 6, toClient: 6 });
    // A lost line never arrives: the fleet does not call that settled.
    expect(await fleet.settle(200)).toBe(false);
  });
});
