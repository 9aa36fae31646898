/**
 * inspector: what the inspector costs the server. The throughput and fanout
 * loads of the other scenarios against our server without an inspector,
 * with one nobody watches, and with one watched by a page (updated every
 * 250 ms, with its sampled message log). Target: watched ≥ 0.9× without.
 * Server CPU per message is reported too: on a busy machine it is steadier
 * than the rate.
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
  const measure = async <T>(job: object, rate: (r: T) => number, count: (r: T) => number, scenario: string, unit: string): Promise<void> => {
    const runs = await ctx.alternate(VARIANTS, async (variant) => {
      const server = await ctx.server("repod", ["--inspector", variant, "--rate-limit", "off"]); // the inspector's cost alone, as the throughput scenario measures
      try {
        const result = await ctx.load<T>(server, job as never);
        return { rate: rate(result), cpu: (result.serverCpuMicros * 1000) / count(result) };
      } finally {
        await server.stop();
      }
    });
    const of = (variant: string, key: "rate" | "cpu"): number[] => runs[variant]!.map((r) => r[key]);
    for (const variant of ["on", "watched"] as const) {
      const label = variant === "on" ? "inspector nobody watches" : "inspector watched";
      const ratio = median(of(variant, "rate")) / median(of("off", "rate"));
      rows.push({
        scenario,
        metric: `${unit}, ${label} (reference: no inspector)`,
        ours: median(of(variant, "rate")),
        reference: median(of("off", "rate")),
        ratio,
        target: "≥ 0.9×",
        ok: ratio >= 0.9,
        format: "rate",
        runs: { ours: of(variant, "rate"), reference: of("off", "rate") },
      });
      rows.push({
        scenario,
        metric: `server CPU per ${unit.startsWith("messages") ? "message" : "delivery"}, ${label} (reference: no inspector)`,
        ours: median(of(variant, "cpu")),
        reference: median(of("off", "cpu")),
        ratio: median(of(variant, "cpu")) / median(of("off", "cpu")),
        format: "nanoseconds",
        runs: { ours: of(variant, "cpu"), reference: of("off", "cpu") },
      });
    }
  };
  await measure<ThroughputResult & { serverCpuMicros: number }>(
    throughputJob,
    (r) => r.messagesPerSecond,
    (r) => r.messages,
    `inspector: throughput (4 × ${messages.toLocaleString("en")})`,
    "messages/s",
  );
  await measure<FanoutResult & { serverCpuMicros: number }>(
    fanoutJob,
    (r) => r.deliveriesPerSecond,
    (r) => r.deliveries,
    "inspector: fanout (200 clients × 500)",
    "deliveries/s",
  );
  return rows;
}
