/**
 * memory: resident memory per idle connection. The server's RSS after a
 * full garbage collection is read before and while 1,000 connections
 * (greeted, then silent) are open; the difference is divided by 1,000.
 *
 * Before the first reading, each server takes and lets go of a few
 * connections: what any server pays once (compiling its accept path) is
 * not a cost per connection.
 */
import { compare, type BenchContext, type BenchRow } from "../lib/context.ts";
import { median } from "../lib/stats.ts";

export const order = 40;

const SETTLE_MS = 300;
const LIMIT = 16 * 1024;

const WARMUP = 50;

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

/** Opens `clients` connections, waits until all are greeted, closes them. */
async function hold(ctx: BenchContext, port: number, clients: number): Promise<void> {
  const load = await ctx.loadProcess(port, { kind: "hold", clients });
  await load.next("holding");
  load.send({ type: "release" });
  await load.next("result");
  await load.stop();
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const clients = 1000;
  const runs = await ctx.alternate(["repod", "reference"], async (name) => {
    const server = await ctx.server(name);
    try {
      await hold(ctx, server.port, WARMUP);
      await settle();
      const before = await server.memory();
      const load = await ctx.loadProcess(server.port, { kind: "hold", clients });
      await load.next("holding");
      await settle();
      const during = await server.memory();
      load.send({ type: "release" });
      const { result } = await load.next<{ result: { clients: number } }>("result");
      await load.stop();
      if (result.clients !== clients) throw new Error(`${name}: only ${result.clients} of ${clients} connections stayed open`);
      return { rss: (during.rss - before.rss) / clients, heap: (during.heapUsed + during.external - before.heapUsed - before.external) / clients };
    } finally {
      await server.stop();
    }
  });
  const scenario = `memory (${clients} idle connections)`;
  const rss = compare(scenario, "RSS per connection", runs.repod!.map((r) => r.rss), runs.reference!.map((r) => r.rss), { atMost: Infinity }, "kibibytes");
  rss.target = "≤ 16 KiB";
  rss.ok = rss.ours <= LIMIT;
  const heap = compare(scenario, "JS heap per connection", runs.repod!.map((r) => r.heap), runs.reference!.map((r) => r.heap), { atMost: Infinity }, "kibibytes");
  return [rss, { ...heap, target: undefined, ok: undefined, note: `medians of ${median(runs.repod!.map((r) => r.heap)).toFixed(0)} B` }];
}
