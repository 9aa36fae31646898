/**
 * throughput: 4 clients each send small `move` messages as fast as
 * backpressure allows; the server counts them. Our server runs with the
 * protocol's validation on (the default) and off, which also gives the
 * validation cost, and without rate limits: a flood is what they refuse
 * (see neighbour.ts), and here the flood is the measure.
 */
import { type BenchContext, type BenchRow, compare } from "../lib/context.ts";
import { median, sum } from "../lib/stats.ts";
import type { ThroughputResult } from "../load/jobs.ts";

export const order = 20;

/** Our server with validation on (the default) and off, and the reference. */
const VARIANTS: Record<string, { server: string; args: string[] }> = {
  reference: { server: "reference", args: [] },
  repod: { server: "repod", args: ["--validate", "on", "--rate-limit", "off"] },
  "repod, no validation": { server: "repod", args: ["--validate", "off", "--rate-limit", "off"] },
};

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const clients = 4;
  const messages = ctx.quick ? 20_000 : 50_000;
  const job = { kind: "throughput" as const, clients, messages, warmup: messages / 5, passes: ctx.quick ? 2 : 3 };
  const runs = await ctx.alternate(Object.keys(VARIANTS), async (variant) => {
    const { server: name, args } = VARIANTS[variant]!;
    const server = await ctx.server(name, args);
    try {
      return await ctx.load<ThroughputResult>(server, job);
    } finally {
      await server.stop();
    }
  });
  const rate = (variant: string): number[] => runs[variant]!.map((r) => r.messagesPerSecond);
  const cpu = (variant: string): number[] => runs[variant]!.map((r) => (r.serverCpuMicros * 1000) / r.messages);
  const lost = (variant: string): number => sum(runs[variant]!.map((r) => r.lost));
  const scenario = `throughput (${clients} × ${messages.toLocaleString("en")})`;
  const on = median(rate("repod"));
  const off = median(rate("repod, no validation"));
  const cost = 1 - on / off;
  return [
    compare(scenario, "messages/s", rate("repod"), rate("reference"), { atLeast: 0.9 }, "rate"),
    {
      scenario,
      metric: "lost",
      ours: lost("repod") + lost("repod, no validation"),
      reference: lost("reference"),
      target: "0",
      ok: lost("repod") + lost("repod, no validation") === 0,
      format: "integer",
    },
    { ...compare(scenario, "server CPU per message", cpu("repod"), cpu("reference"), { atMost: Infinity }, "nanoseconds"), target: undefined, ok: undefined },
    {
      ...compare(scenario, "messages/s, validation off", rate("repod, no validation"), rate("reference"), { atLeast: 0 }, "rate"),
      target: undefined,
      ok: undefined,
    },
    {
      scenario: "validation cost",
      metric: "throughput lost to validation",
      ours: cost,
      target: "≤ 10.0 %",
      ok: cost <= 0.1,
      format: "percent",
      runs: { ours: rate("repod"), reference: rate("repod, no validation") },
      note: "1 − (messages/s with validation ÷ without), medians",
    },
    {
      scenario: "validation cost",
      metric: "server CPU added by validation",
      ours: median(cpu("repod")) / median(cpu("repod, no validation")) - 1,
      format: "percent",
      runs: { ours: cpu("repod"), reference: cpu("repod, no validation") },
      note: "(CPU per message with validation ÷ without) − 1, medians",
    },
  ];
}
