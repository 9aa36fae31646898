/**
 * inspector: what the inspector costs the server. The throughput and fanout
 * loads of the other scenarios against our server without an inspector,
 * with one nobody watches, and with one watched by a page (updated every
 * 250 ms, with its sampled message log). Target: watched ≥ 0.9× without.
 */
import type { BenchContext, BenchRow } from "../lib/context.ts";
import { median } from "../lib/stats.ts";
import type { FanoutResult, ThroughputResult } from "../load/jobs.ts";

export const order = 80;

const VARIANTS = ["off", "on", "watched"] as const;

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const messages = ctx.quick ? 20_000 : 50_000;
  const throughputJob = { kind: "throughput" as const, clients: 4, messages, warmup: messages / 5, passes: ctx.quick ? 2 : 3 };
  const fanoutJob = { kind: "fanout" as const, clients: 200, messages: 500, bursts: 3 };
  const rows: BenchRow[] = [];
  const measure = async <T>(job: object, rate: (r: T) => number, scenario: string, unit: string): Promise<void> => {
    const runs = await ctx.alternate(VARIANTS, async (variant) => {
      const server = await ctx.server("repod", ["--inspector", variant]);
      try {
        return rate(await ctx.load<T>(server, job as never));
      } finally {
        await server.stop();
      }
    });
    const off = median(runs.off!);
    for (const variant of ["on", "watched"] as const) {
      const ratio = median(runs[variant]!) / off;
      rows.push({
        scenario,
        metric: `${unit}, inspector ${variant === "on" ? "on, nobody watching" : "watched"} ÷ none`,
        ours: median(runs[variant]!),
        reference: off,
        ratio,
        target: "≥ 0.9×",
        ok: ratio >= 0.9,
        format: "rate",
        runs: { ours: runs[variant]!, reference: runs.off! },
      });
    }
  };
  await measure<ThroughputResult>(throughputJob, (r) => r.messagesPerSecond, `inspector: throughput (4 × ${messages.toLocaleString("en")})`, "messages/s");
  await measure<FanoutResult>(fanoutJob, (r) => r.deliveriesPerSecond, "inspector: fanout (200 clients × 500)", "deliveries/s");
  return rows;
}
