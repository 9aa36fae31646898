/**
 * fanout: N clients; one asks the server to `sendToAll` a burst of ticks;
 * every client checks it got all of them, in order. Deliveries/s is
 * clients × messages ÷ the time from the request to the last delivery.
 */
import { type BenchContext, type BenchRow, compare } from "../lib/context.ts";
import { sum } from "../lib/stats.ts";
import type { FanoutResult } from "../load/jobs.ts";

export const order = 30;

const cpu = (r: FanoutResult & { serverCpuMicros: number }): number => (r.serverCpuMicros * 1000) / r.deliveries;

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const clients of ctx.quick ? [50, 200] : [50, 500]) {
    // Small audiences finish a burst in a few ms: more bursts keep the median steady.
    const job = { kind: "fanout" as const, clients, messages: 500, bursts: clients < 100 ? 10 : 3 };
    const runs = await ctx.alternate(["repod", "reference"], async (name) => {
      const server = await ctx.server(name);
      try {
        return await ctx.load<FanoutResult>(server, job);
      } finally {
        await server.stop();
      }
    });
    const scenario = `fanout (${clients} clients × ${job.messages})`;
    const lostOurs = sum(runs.repod!.map((r) => r.lost + r.outOfOrder));
    const lostReference = sum(runs.reference!.map((r) => r.lost + r.outOfOrder));
    rows.push(
      compare(
        scenario,
        "deliveries/s",
        runs.repod!.map((r) => r.deliveriesPerSecond),
        runs.reference!.map((r) => r.deliveriesPerSecond),
        { atLeast: 0.9 },
        "rate",
      ),
      {
        ...compare(scenario, "server CPU per delivery", runs.repod!.map(cpu), runs.reference!.map(cpu), { atMost: Infinity }, "nanoseconds"),
        target: undefined,
        ok: undefined,
      },
      { scenario, metric: "lost or out of order", ours: lostOurs, reference: lostReference, target: "0", ok: lostOurs === 0, format: "integer" },
    );
  }
  return rows;
}
