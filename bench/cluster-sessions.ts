/**
 * Sessions that outlive their server: the figures of a rolling deploy.
 *
 *   npx tsx --conditions=repod-source bench/cluster-sessions.ts [--variant on|off] [--clients 200] [--lines 20] [--json]
 *
 * Starts a redis-server, three servers (test/cluster/fixtures/server.ts,
 * `--cluster-sessions on|off`) behind the test load balancer, and a fleet of
 * clients chatting in rooms of 10 (test/cluster/fleet.ts). It measures:
 *
 * - **throughput**: every client says `lines` lines at once; lines delivered
 *   per second until every client has every line of its room;
 * - **stop → resumed** (variant `on` only): each server in turn is taken out
 *   of the balancer and stopped (SIGTERM), then started again, with traffic
 *   flowing; for every client of the stopped server, the time from the stop
 *   to its `reconnected` (as its pump saw it: up to 5 ms late). Then the
 *   fleet's counts: lost, duplicated, reordered, fresh sessions.
 *
 * Until the cluster fixture exists, it runs test/cluster/chat-server.ts
 * instead: one server, and the "stop" is every connection cut at the load
 * balancer (a plain resume on the same server): the frame and its figures
 * are a stand-in, and each printed line says so (`fixture: false`).
 *
 * Prints one JSON line with `--json` (for bench/scenarios/cluster-sessions.ts).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { isMain, numberOption } from "../examples/args.ts";
import { startCluster } from "../test/cluster/cluster.ts";
import { chatPeer, type FleetPeerContext, startFleet } from "../test/cluster/fleet.ts";
import { Player } from "../test/cluster/players.ts";
import { ROOT } from "./lib/build.ts";

/** The cluster test's server; the frame falls back to the harness's chat server while it does not exist. */
export const FIXTURE = "test/cluster/fixtures/server.ts";
const STAND_IN = "test/cluster/chat-server.ts";

export interface ClusterSessionsResult {
  variant: "on" | "off";
  /** Whether the cluster fixture ran (false: the chat server stand-in, connections cut instead of servers stopped). */
  fixture: boolean;
  servers: number;
  clients: number;
  /** Lines delivered per second in the throughput phase. */
  deliveriesPerSecond: number;
  /** Per client of a stopped server (or of a cut), ms from the stop to its resume. */
  resumeMs: number[];
  /** Clients that should have resumed (were on a stopped server, or cut). */
  disrupted: number;
  lost: { toServer: number; toClient: number };
  duplicated: { toServer: number; toClient: number };
  outOfOrder: { toServer: number; toClient: number };
  freshSessions: number;
  settled: boolean;
}

export async function measure(variant: "on" | "off", clients: number, lines: number): Promise<ClusterSessionsResult> {
  const fixture = existsSync(path.join(ROOT, FIXTURE));
  const cluster = await startCluster({
    script: fixture ? FIXTURE : STAND_IN,
    servers: fixture ? 3 : 1,
    args: (redis) => ["--port", "0", "--redis", redis, ...(fixture ? ["--cluster-sessions", variant] : [])],
  });
  try {
    // The fixture's own typed listener: a session is bound to the protocol's fingerprint, and an untyped client has none.
    const peer = fixture ? (context: FleetPeerContext) => new Player(context, { port: cluster.lb.port }) : chatPeer({ port: cluster.lb.port });
    const fleet = await startFleet({ clients, roomSize: 10, peer });
    try {
      // Throughput: a burst of lines from everyone, timed until all of them reached every member of the room.
      const before = fleet.report().received;
      const t0 = performance.now();
      for (let i = 0; i < lines; i++) fleet.sendRound();
      await fleet.settle();
      const deliveriesPerSecond = ((fleet.report().received - before) * 1000) / (performance.now() - t0);

      const resumeMs: number[] = [];
      let disrupted = 0;
      if (!fixture || variant === "on") {
        fleet.startTraffic(100);
        for (let i = 0; i < cluster.size; i++) {
          const on = cluster.clientsOn(i);
          disrupted += on;
          const since = performance.now();
          const freshBefore = fleet.freshSessions();
          // A rolling deploy: the server leaves the balancer, stops, and its clients land on the others.
          if (fixture) await cluster.stop(i);
          else cluster.lb.cutAll();
          // Each client resumes or, failing that, starts over (counted in freshSessions, and the row says so).
          await fleet.waitFor(
            () => fleet.resumeTimes(since).length + fleet.freshSessions() - freshBefore >= on,
            `the ${on} clients of server ${i} to resume or start over`,
          );
          resumeMs.push(...fleet.resumeTimes(since));
          if (fixture) await cluster.start(i);
        }
      }
      const settled = await fleet.settle();
      const report = fleet.report();
      return {
        variant,
        fixture,
        servers: cluster.size,
        clients,
        deliveriesPerSecond,
        resumeMs,
        disrupted,
        lost: report.lost,
        duplicated: report.duplicated,
        outOfOrder: report.outOfOrder,
        freshSessions: report.freshSessions,
        settled,
      };
    } finally {
      await fleet.close();
    }
  } finally {
    await cluster.close();
  }
}

/** The value below which `q` (0..1) of `values` fall. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      variant: { type: "string", default: "on" },
      clients: { type: "string" },
      lines: { type: "string" },
      json: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.variant !== "on" && values.variant !== "off") throw new Error(`--variant takes on or off, got ${values.variant}`);
  const result = await measure(values.variant, numberOption("clients", values.clients, 200), numberOption("lines", values.lines, 20));
  if (values.json) console.log(JSON.stringify(result));
  else {
    const { resumeMs, ...rest } = result;
    console.log(
      `${result.fixture ? "" : "(stand-in: chat server, connections cut) "}cluster sessions ${result.variant}: ${result.deliveriesPerSecond.toFixed(0)} deliveries/s; ` +
        `stop → resumed p50 ${quantile(resumeMs, 0.5).toFixed(1)} ms, p99 ${quantile(resumeMs, 0.99).toFixed(1)} ms (${resumeMs.length} of ${result.disrupted})`,
    );
    console.log(JSON.stringify(rest));
  }
}
