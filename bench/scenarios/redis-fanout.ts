/**
 * Cross-process fanout through Redis (`bench/redis-fanout.ts`): 3 processes ×
 * 200 clients beside one process with the in-process adapter (the
 * reference here). Needs Debian's redis-server; skipped without it.
 */
import { execFileSync } from "node:child_process";
import type { BenchContext, BenchRow } from "../lib/context.ts";
import { runScript } from "../lib/script.ts";

export const order = 70;

interface FanoutResult {
  scenario: string;
  processes: number;
  deliveriesPerSecond: number;
  lost: number;
  duplicated: number;
}

function hasRedis(): boolean {
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const scenario = "fanout through Redis (600 clients)";
  if (!hasRedis()) return [{ scenario, metric: "deliveries/s", ours: NaN, note: "redis-server is not installed" }];
  ctx.log("redis-fanout: one process with the in-process adapter, one with Redis, three with Redis");
  const results = await runScript<FanoutResult>("bench/redis-fanout.ts");
  const local = results.find((r) => r.scenario.includes("LocalAdapter"))!;
  const rows: BenchRow[] = [];
  for (const r of results.filter((r) => r !== local)) {
    rows.push({
      scenario,
      metric: `${r.processes} process${r.processes > 1 ? "es" : ""}, Redis: deliveries/s (reference: 1 process, in-process adapter)`,
      ours: r.deliveriesPerSecond,
      reference: local.deliveriesPerSecond,
      ratio: r.deliveriesPerSecond / local.deliveriesPerSecond,
      format: "rate",
    });
  }
  const lost = results.reduce((n, r) => n + r.lost + r.duplicated, 0);
  rows.push({ scenario, metric: "lost or duplicated", ours: lost, target: "0", ok: lost === 0, format: "integer" });
  return rows;
}
