/**
 * neighbour: 50 players each play a ping every 10 ms, first quiet, then
 * while one more client — in a process of its own, so that its writing
 * takes nothing from the players' process — floods valid messages as fast
 * as its socket allows (the order of the two phases alternates from round
 * to round). Same server, same players, same number of round trips: the
 * phases differ only by the flood. Our server runs with its default rate
 * limits, except that the flooder is never closed (so the server goes on
 * limiting it for the whole phase). The players' p99 round trip must stay
 * within 2× of the quiet phase's, and the server's memory (read after a full
 * GC at the end of each phase) bounded. A second server, with rate limits
 * off, shows what the flood does without them.
 */
import os from "node:os";
import { type BenchContext, type BenchRow, compare } from "../lib/context.ts";
import type { Child } from "../lib/processes.ts";
import { median } from "../lib/stats.ts";
import type { FloodResult, NeighbourResult } from "../load/jobs.ts";

export const order = 35;

const VARIANTS: Record<string, string[]> = {
  limited: ["--rate-limit", "never-close"],
  "no limits": ["--rate-limit", "off"],
};

interface Run extends NeighbourResult {
  rss: { quiet: number; flooded: number };
  flood: FloodResult;
  /** The machine's one-minute load average when the run ended. */
  load: number;
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const players = 50;
  const rounds = ctx.quick ? 100 : 300;
  const runs = await ctx.alternate(Object.keys(VARIANTS), async (variant, round): Promise<Run> => {
    const server = await ctx.server("repod", VARIANTS[variant]!);
    let flooder: Child | undefined;
    let flooding = false;
    const rss: number[] = [];
    let flood: FloodResult = { flooded: 0, closed: false };
    try {
      const floodFirst = round % 2 === 1;
      const load = await ctx.loadProcess(server.port, { kind: "neighbour", players, rounds, floodFirst });
      load.on("phase", (message) => {
        void (async () => {
          if (message.name === "flood") {
            flooder = await ctx.loadProcess(server.port, { kind: "flood" });
            await flooder.next("holding", 60_000); // connected and pouring
            flooding = true;
          } else if (message.name === "calm") {
            flooder!.send({ type: "release" });
            ({ result: flood } = await flooder!.next<{ result: FloodResult }>("result", 60_000));
            await flooder!.stop();
            flooder = undefined;
            flooding = false;
          } else {
            // Memory at the end of a phase: the flooded one's index is fixed whatever the order.
            rss[flooding ? 1 : 0] = (await server.memory()).rss;
          }
          load.send({ type: "phased" });
        })();
      });
      const { result } = await load.next<{ result: NeighbourResult }>("result", 300_000);
      await load.stop();
      return { ...result, rss: { quiet: rss[0]!, flooded: rss[1]! }, flood, load: os.loadavg()[0]! };
    } finally {
      await flooder?.stop();
      await server.stop();
    }
  });
  const scenario = `noisy neighbour (${players} players × ${rounds} pings, 1 flooder)`;
  const p99 = (v: string, phase: "quiet" | "flooded"): number[] => runs[v]!.map((r) => r[phase].p99);
  const flooded = (v: string): string => median(runs[v]!.map((r) => r.flood.flooded)).toLocaleString("en");
  const loads = [...runs.limited!, ...runs["no limits"]!].map((r) => r.load.toFixed(1)).join(", ");
  return [
    {
      ...compare(scenario, "players' p99, flooded vs quiet phase", p99("limited", "flooded"), p99("limited", "quiet"), { atMost: 2 }, "microseconds"),
      note: `the reference column is the same run's quiet phase; ${flooded("limited")} messages written by the flooder (median); load average at the end of each run: ${loads}`,
    },
    {
      ...compare(
        scenario,
        "server RSS, flooded vs quiet phase",
        runs.limited!.map((r) => r.rss.flooded),
        runs.limited!.map((r) => r.rss.quiet),
        { atMost: 1.5 },
        "kibibytes",
      ),
      note: "read after a full GC at the end of each phase",
    },
    {
      ...compare(
        scenario,
        "players' p99, no rate limits, flooded vs quiet phase",
        p99("no limits", "flooded"),
        p99("no limits", "quiet"),
        { atMost: Infinity },
        "microseconds",
      ),
      target: undefined,
      ok: undefined,
      note: `${flooded("no limits")} messages flooded and dispatched (median)`,
    },
  ];
}
