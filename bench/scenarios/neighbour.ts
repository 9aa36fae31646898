/**
 * neighbour: one client floods valid messages as fast as its socket allows
 * while 50 others play (a ping every 10 ms each). Our server runs with its
 * default rate limits, except that the flooder is never closed (so the
 * server goes on refusing it for the whole run). The players' p99 round
 * trip must stay within 2× of the same run without the flooder, and the
 * server's memory (read while the flood goes on) bounded. A third run,
 * with rate limits off, shows what the flood does without them.
 */
import { type BenchContext, type BenchRow, compare } from "../lib/context.ts";
import { median } from "../lib/stats.ts";
import type { NeighbourResult } from "../load/jobs.ts";

export const order = 35;

const VARIANTS: Record<string, { args: string[]; flood: boolean }> = {
  quiet: { args: ["--rate-limit", "never-close"], flood: false },
  flooded: { args: ["--rate-limit", "never-close"], flood: true },
  "flooded, no limits": { args: ["--rate-limit", "off"], flood: true },
};

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const players = 50;
  const rounds = ctx.quick ? 100 : 300;
  const runs = await ctx.alternate(Object.keys(VARIANTS), async (variant) => {
    const { args, flood } = VARIANTS[variant]!;
    const server = await ctx.server("repod", args);
    try {
      const load = await ctx.loadProcess(server.port, { kind: "neighbour", players, rounds, flood });
      load.on("mark", () => load.send({ type: "marked" }));
      await load.next("holding", 300_000);
      const memory = await server.memory();
      load.send({ type: "release" });
      const { result } = await load.next<{ result: NeighbourResult }>("result", 60_000);
      await load.stop();
      return { ...result, rss: memory.rss };
    } finally {
      await server.stop();
    }
  });
  const scenario = `noisy neighbour (${players} players × ${rounds} pings, 1 flooder)`;
  const p99 = (v: string): number[] => runs[v]!.map((r) => r.p99);
  const rss = (v: string): number[] => runs[v]!.map((r) => r.rss);
  const flooded = median(runs.flooded!.map((r) => r.flooded));
  const unlimited = median(runs["flooded, no limits"]!.map((r) => r.flooded));
  return [
    {
      ...compare(scenario, "players' p99, flooded vs quiet", p99("flooded"), p99("quiet"), { atMost: 2 }, "microseconds"),
      note: `the reference column is the run without the flooder; ${flooded.toLocaleString("en")} messages flooded (median)`,
    },
    {
      ...compare(scenario, "server RSS, flooded vs quiet", rss("flooded"), rss("quiet"), { atMost: 1.5 }, "kibibytes"),
      note: "read after a full GC while the flood goes on",
    },
    {
      ...compare(scenario, "players' p99, no rate limits, flooded vs quiet", p99("flooded, no limits"), p99("quiet"), { atMost: Infinity }, "microseconds"),
      target: undefined,
      ok: undefined,
      note: `${unlimited.toLocaleString("en")} messages flooded and dispatched (median)`,
    },
  ];
}
