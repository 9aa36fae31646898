/** rtt: one client, sequential ping/pong round trips after a warm-up; p50 and p99. */
import { type BenchContext, type BenchRow, compare } from "../lib/context.ts";
import type { RttResult } from "../load/jobs.ts";

export const order = 10;

const cpu = (r: RttResult & { serverCpuMicros: number }): number => r.serverCpuMicros / r.roundTrips;

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const job = { kind: "rtt" as const, warmup: ctx.quick ? 300 : 1000, count: ctx.quick ? 1000 : 3000 };
  const runs = await ctx.alternate(["repod", "reference"], async (name) => {
    const server = await ctx.server(name);
    try {
      return await ctx.load<RttResult>(server, job);
    } finally {
      await server.stop();
    }
  });
  const scenario = `rtt (${job.count} round trips)`;
  const ours = runs.repod!;
  const reference = runs.reference!;
  return [
    compare(
      scenario,
      "p50",
      ours.map((r) => r.p50),
      reference.map((r) => r.p50),
      { atMost: 1.1 },
      "microseconds",
    ),
    compare(
      scenario,
      "p99",
      ours.map((r) => r.p99),
      reference.map((r) => r.p99),
      { atMost: 1.5 },
      "microseconds",
    ),
    {
      ...compare(scenario, "server CPU per round trip", ours.map(cpu), reference.map(cpu), { atMost: Infinity }, "microseconds"),
      target: undefined,
      ok: undefined,
    },
  ];
}
