/**
 * Issue 18 over WebSocket: the same handover as the rolling deploy (see
 * rolling-deploy.test.ts), smaller — two servers behind the load balancer
 * (it carries WebSocket: it is just TCP), 20 clients of ours, one server
 * stopped. Its clients resume on the other: nothing lost, applied twice,
 * delivered twice or out of order, same id and Session.
 */
import { afterAll, describe, expect, it } from "vitest";
import { startFleet } from "./fleet.ts";
import { startLoadBalancer } from "./load-balancer.ts";
import { Player } from "./players.ts";
import { type ServerProcess, startRedis, startServer, stopAll } from "./processes.ts";

const SCRIPT = "test/cluster/fixtures/server.ts";
const CLIENTS = 20;

afterAll(stopAll);

describe("a planned stop with cluster sessions, over WebSocket", () => {
  it("moves the stopped server's sessions to the other: 0 lost, 0 duplicated, in order, both ways; same id and Session", async () => {
    const redis = await startRedis();
    const args = ["--port", "0", "--redis", redis.url, "--websocket"];
    const servers: Array<ServerProcess | null> = await Promise.all([0, 1].map(() => startServer(SCRIPT, args)));
    const lb = await startLoadBalancer({
      backends: () => servers.filter((s): s is ServerProcess => s !== null && !s.exited).map((s) => ({ host: "127.0.0.1", port: s.port })),
    });
    const players: Player[] = [];
    const fleet = await startFleet({
      clients: CLIENTS,
      roomSize: 10,
      peer: (context) => {
        const player = new Player(context, { port: lb.port, url: `ws://127.0.0.1:${lb.port}/` });
        players.push(player);
        return player;
      },
    });
    try {
      const ids = players.map((p) => p.ids[0]);
      fleet.startTraffic(100);
      const stopped = servers[0]!;
      servers[0] = null;
      expect(await stopped.stop(), stopped.output()).toBe(0);
      await fleet.waitFor(() => fleet.connectedCount() === CLIENTS, "every client connected again");
      fleet.stopTraffic();
      expect(await fleet.settle(), fleet.summary()).toBe(true);
      const report = fleet.report();
      expect(report.lost, fleet.summary()).toEqual({ toServer: 0, toClient: 0 });
      expect(report.duplicated, fleet.summary()).toEqual({ toServer: 0, toClient: 0 });
      expect(report.outOfOrder, fleet.summary()).toEqual({ toServer: 0, toClient: 0 });
      expect(report.freshSessions, fleet.summary()).toBe(0);
      // The balancer spread the clients over both servers: those of the stopped one all resumed on the other.
      expect(report.resumed, fleet.summary()).toBeGreaterThan(0);
      expect(players.map((p) => p.ids)).toEqual(ids.map((id) => [id]));
      for (const player of players) player.askStats();
      await fleet.waitFor(() => players.every((p) => p.stats !== undefined), "every client's stats");
      players.forEach((player, index) => {
        expect(player.stats).toMatchObject({ id: ids[index], count: fleet.nextSeq(index), lastSeq: fleet.nextSeq(index) - 1 });
      });
      expect(new Set(players.map((p) => p.stats!.server)).size).toBe(1); // all on the one server left
    } finally {
      await fleet.close();
      await lb.close();
      await Promise.all(servers.map((s) => s?.stop()));
      await redis.close();
    }
  }, 120_000);
});
