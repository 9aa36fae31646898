/**
 * Sessions that outlive their server (`bench/cluster-sessions.ts`): time
 * from a server's stop to its clients resumed elsewhere (p50/p99), and
 * throughput with cluster sessions on (reference: off), 200 clients (50
 * with --quick) on three servers behind a load balancer. Rounds alternate
 * the variants. Needs Debian's redis-server; skipped without it.
 *
 * Until test/cluster/fixtures/server.ts exists the script measures a
 * stand-in (one chat server, connections cut at the balancer, one variant),
 * and every row says so.
 */
import { execFileSync } from "node:child_process";
import type { ClusterSessionsResult } from "../cluster-sessions.ts";
import type { BenchContext, BenchRow } from "../lib/context.ts";
import { runScript } from "../lib/script.ts";
import { median } from "../lib/stats.ts";

export const order = 75;

const STAND_IN_NOTE =
  "stand-in: test/cluster/fixtures/server.ts does not exist yet; one chat server, every connection cut at the load balancer instead of a stop";

function hasRedis(): boolean {
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** The value below which `q` (0..1) of `values` fall. */
function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

async function once(variant: "on" | "off", quick: boolean): Promise<ClusterSessionsResult> {
  const args = ["--variant", variant, "--clients", quick ? "50" : "200", "--lines", quick ? "5" : "20"];
  const [result] = await runScript<ClusterSessionsResult>("bench/cluster-sessions.ts", 600_000, args);
  if (!result) throw new Error("bench/cluster-sessions.ts printed no result");
  return result;
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  if (!hasRedis()) return [{ scenario: "cluster sessions", metric: "stop → resumed", ours: Number.NaN, note: "redis-server is not installed" }];
  const rounds = ctx.quick ? 1 : 3;
  const results: Record<"on" | "off", ClusterSessionsResult[]> = { on: [], off: [] };
  // The first run says whether the fixture exists; the stand-in has one variant only.
  const first = await once("on", ctx.quick);
  results.on.push(first);
  const variants: Array<"on" | "off"> = first.fixture ? ["off", "on"] : ["on"];
  for (let round = first.fixture ? 0 : 1; round < rounds; round++) {
    for (const variant of round % 2 === 0 ? variants : [...variants].reverse()) {
      if (round === 0 && variant === "on") continue; // measured first
      ctx.log(`cluster-sessions: round ${round + 1}, sessions ${variant}`);
      results[variant].push(await once(variant, ctx.quick));
    }
  }
  const SCENARIO = `cluster sessions (${first.clients} clients, ${first.servers} server${first.servers > 1 ? "s" : ""})`;
  const note = first.fixture ? undefined : STAND_IN_NOTE;
  const resumeMs = results.on.flatMap((r) => r.resumeMs);
  const disrupted = results.on.reduce((n, r) => n + r.disrupted, 0);
  const faults = [...results.on, ...results.off].reduce(
    (n, r) => n + r.lost.toServer + r.lost.toClient + r.duplicated.toServer + r.duplicated.toClient + r.outOfOrder.toServer + r.outOfOrder.toClient,
    0,
  );
  const fresh = results.on.reduce((n, r) => n + r.freshSessions, 0);
  const on = results.on.map((r) => r.deliveriesPerSecond);
  const off = results.off.map((r) => r.deliveriesPerSecond);
  const throughput: BenchRow = first.fixture
    ? {
        scenario: SCENARIO,
        metric: "lines delivered/s, sessions on (reference: off)",
        ours: median(on),
        reference: median(off),
        ratio: median(on) / median(off),
        format: "rate",
        runs: { ours: on, reference: off },
      }
    : { scenario: SCENARIO, metric: "lines delivered/s", ours: median(on), format: "rate", runs: { ours: on }, note };
  return [
    // Seconds with two decimals: the table has no millisecond format.
    { scenario: SCENARIO, metric: "stop → clients resumed, p50", ours: quantile(resumeMs, 0.5) / 1000, format: "seconds", note },
    { scenario: SCENARIO, metric: "stop → clients resumed, p99", ours: quantile(resumeMs, 0.99) / 1000, format: "seconds", note },
    {
      scenario: SCENARIO,
      metric: "clients resumed of those stopped",
      ours: resumeMs.length,
      target: `${disrupted}`,
      ok: resumeMs.length === disrupted,
      format: "integer",
    },
    throughput,
    { scenario: SCENARIO, metric: "lines lost, duplicated or reordered", ours: faults, target: "0", ok: faults === 0, format: "integer" },
    { scenario: SCENARIO, metric: "fresh sessions (RESUME_FAILED)", ours: fresh, target: "0", ok: fresh === 0, format: "integer" },
  ];
}
