/**
 * Issue 18 (a) and (c): a rolling deploy. Three servers share one
 * redis-server with cluster sessions on, behind a TCP load balancer; 200
 * clients of ours chat in rooms of 10, and a Python repod client chats too.
 * Each server in turn is stopped (SIGTERM: `server.stop()` hands its
 * sessions to the cluster and tells its clients `_moved`) and started
 * again.
 *
 * (a) Every client of ours resumes on another server — same channel id,
 * groups, presence and Session, `onResume` fired there — and no line is
 * lost, applied twice, delivered twice or out of order, in either direction.
 * (c) The Python client never sees a control frame: its connection closes
 * as in any stop, it connects again (a fresh channel, as repod does) and
 * goes on chatting.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { startFleet } from "./fleet.ts";
import { startLoadBalancer } from "./load-balancer.ts";
import { Player } from "./players.ts";
import { type ServerProcess, startRedis, startServer, stopAll } from "./processes.ts";

const SCRIPT = "test/cluster/fixtures/server.ts";
const CLIENTS = Number(process.env.CLUSTER_CLIENTS ?? 200);

afterAll(stopAll);

describe("a rolling deploy with cluster sessions", () => {
  it("moves every session of ours (0 lost, 0 duplicated, in order, both ways; same id, Session, groups, presence) and a Python client reconnects as repod does", async () => {
    const redis = await startRedis();
    const args = ["--port", "0", "--redis", redis.url];
    const servers: Array<ServerProcess | null> = await Promise.all([0, 1, 2].map(() => startServer(SCRIPT, args)));
    const lb = await startLoadBalancer({
      backends: () => servers.filter((s): s is ServerProcess => s !== null && !s.exited).map((s) => ({ host: "127.0.0.1", port: s.port })),
    });
    const players: Player[] = [];
    const fleet = await startFleet({
      clients: CLIENTS,
      roomSize: 10,
      peer: (context) => {
        const player = new Player(context, { port: lb.port });
        players.push(player);
        return player;
      },
    });
    // The Python client, in a room of its own: it prints what it gets, one JSON line each.
    const python = spawn("/usr/bin/python3", ["test/python/cluster_chat_peer.py", String(lb.port), "python-room", "0.1", "600"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    const fromPython: Array<{ event?: string; action?: string; seq?: number }> = [];
    createInterface({ input: python.stdout! }).on("line", (line) => fromPython.push(JSON.parse(line)));
    let pythonErr = "";
    python.stderr!.on("data", (chunk) => (pythonErr += chunk));
    const pythonLines = (): number[] => fromPython.filter((m) => m.action === "line").map((m) => m.seq!);
    try {
      await fleet.waitFor(() => pythonLines().length > 0, "the Python client's first line back");
      const ids = players.map((p) => p.ids[0]);
      fleet.startTraffic(250);
      for (let i = 0; i < 3; i++) {
        const server = servers[i]!;
        servers[i] = null; // the balancer sends no new connection to a stopping server
        const before = fleet.report().resumes;
        expect(await server.stop(), server.output()).toBe(0);
        servers[i] = await startServer(SCRIPT, args);
        // Everyone who was on it resumed elsewhere; the traffic went on meanwhile.
        await fleet.waitFor(() => fleet.connectedCount() === CLIENTS, `every client connected again after server ${i} stopped`);
        expect(fleet.report().resumes, fleet.summary()).toBeGreaterThan(before);
      }
      fleet.stopTraffic();
      const troubled = players.filter((p) => p.errors.length > 0).map((p) => ({ id: p.ids[0], errors: p.errors, breaks: p.breaks }));
      expect(troubled.slice(0, 3)).toEqual([]);
      expect(await fleet.settle(), fleet.summary()).toBe(true);
      const report = fleet.report();
      expect(report.lost, fleet.summary()).toEqual({ toServer: 0, toClient: 0 });
      expect(report.duplicated, fleet.summary()).toEqual({ toServer: 0, toClient: 0 });
      expect(report.outOfOrder, fleet.summary()).toEqual({ toServer: 0, toClient: 0 });
      expect(report.freshSessions, fleet.summary()).toBe(0);
      expect(report.disconnected).toBe(0);
      // Every server was stopped once, so every client moved at least once (the one it first landed on stopped).
      expect(report.resumed).toBe(CLIENTS);
      // Same channel id all along; onResume fired on the server that took the session.
      expect(players.map((p) => p.ids)).toEqual(ids.map((id) => [id]));
      for (const player of players) expect(player.resumedOn.length).toBeGreaterThanOrEqual(1);
      // The Session moved with it (the count of lines applied is exactly the lines said), and so did its group and presence.
      for (const player of players) player.askStats();
      await fleet.waitFor(() => players.every((p) => p.stats !== undefined), "every client's stats");
      players.forEach((player, index) => {
        const room = `room-${Math.floor(index / 10)}`;
        expect(player.stats).toEqual({
          action: "stats",
          id: ids[index],
          room,
          count: fleet.nextSeq(index),
          lastSeq: fleet.nextSeq(index) - 1,
          server: player.resumedOn.at(-1),
          member: JSON.stringify({ id: ids[index], groups: [room], presence: { room } }),
        });
      });

      // (c) The Python client: closed as in any stop (at least once: every server stopped), greeted afresh, chatting on.
      const closedAt = fromPython.findIndex((m) => m.event === "closed");
      expect(closedAt, pythonErr).toBeGreaterThan(0);
      const seqAtClose = Math.max(
        ...fromPython
          .slice(0, closedAt)
          .filter((m) => m.action === "line")
          .map((m) => m.seq!),
      );
      await fleet.waitFor(() => pythonLines().some((seq) => seq > seqAtClose + 5), "the Python client chatting after its reconnection");
      expect(fromPython.filter((m) => m.action?.startsWith("_"))).toEqual([]);
      expect(fromPython.filter((m) => m.event === "connected").length).toBeGreaterThanOrEqual(2);
    } finally {
      python.kill();
      await fleet.close();
      await lb.close();
      await Promise.all(servers.map((s) => s?.stop()));
      await redis.close();
    }
  }, 240_000);
});
