/**
 * memory: resident memory per idle connection. The server's RSS and JS heap
 * after a full garbage collection are read before any, with 1,000
 * connections (greeted, then silent) open, and with 1,000 more beside them;
 * each difference is divided by 1,000. The first batch includes what a
 * server pays once when connections arrive (code compiled for them, the
 * young generation grown); the second is what one more idle connection
 * costs, which is what a lobby of 50,000 pays 50,000 times. Twice: peers that never say a word (as a Python repod client in a
 * lobby), and peers that say `_hello` as our clients do, so that each holds a
 * live session (heartbeat, frames kept for resume). The reference ignores it.
 *
 * Before the first reading, each server takes and lets go of a few
 * connections that say the same as the measured ones: what any server pays
 * once (compiling its accept path, and its `_hello` path for our clients)
 * is not a cost per connection.
 */
import { type BenchContext, type BenchRow, compare } from "../lib/context.ts";
import { median } from "../lib/stats.ts";

export const order = 40;

/**
 * Longer than a new connection may wait to be admitted (500 ms, while other
 * sessions are suspended: it may be one of them coming back), so that what
 * is read is idle connections, not their admission timers.
 */
const SETTLE_MS = 1200;

const WARMUP = 50;

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

/** Opens `clients` connections, waits until all are greeted (and say `_hello` with `hello`), closes them. */
async function hold(ctx: BenchContext, port: number, clients: number, hello: boolean): Promise<void> {
  const load = await ctx.loadProcess(port, { kind: "hold", clients, hello });
  await load.next("holding");
  load.send({ type: "release" });
  await load.next("result");
  await load.stop();
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const clients = 1000;
  type Reading = { rss: number; heap: number };
  const per = (a: { rss: number; heapUsed: number; external: number }, b: typeof a): Reading => ({
    rss: (b.rss - a.rss) / clients,
    heap: (b.heapUsed + b.external - a.heapUsed - a.external) / clients,
  });
  const measure = (hello: boolean) =>
    ctx.alternate(["repod", "reference"], async (name) => {
      const server = await ctx.server(name);
      const loads: Array<Awaited<ReturnType<BenchContext["loadProcess"]>>> = [];
      try {
        await hold(ctx, server.port, WARMUP, hello);
        await settle();
        const before = await server.memory();
        // The first 1,000, then 1,000 more beside them: the second batch pays only what one more connection costs.
        const readings = [before];
        for (let batch = 0; batch < 2; batch++) {
          const load = await ctx.loadProcess(server.port, { kind: "hold", clients, hello });
          loads.push(load);
          await load.next("holding");
          await settle();
          readings.push(await server.memory());
        }
        for (const load of loads) {
          load.send({ type: "release" });
          const { result } = await load.next<{ result: { clients: number } }>("result");
          await load.stop();
          if (result.clients !== clients) throw new Error(`${name}: only ${result.clients} of ${clients} connections stayed open`);
        }
        return { first: per(readings[0]!, readings[1]!), next: per(readings[1]!, readings[2]!) };
      } finally {
        await server.stop();
      }
    });
  const rows: BenchRow[] = [];
  for (const [hello, who] of [
    [false, "a peer that says nothing (a Python repod client)"],
    [true, "our client (heartbeat and resume on)"],
  ] as const) {
    const runs = await measure(hello);
    for (const batch of ["first", "next"] as const) {
      const scenario =
        batch === "first"
          ? `memory (the first ${clients} idle connections, one-time costs included)`
          : `memory (${clients} more idle connections beside them: the cost of one more)`;
      const ours = (key: "rss" | "heap") => runs.repod!.map((r) => r[batch][key]);
      const reference = (key: "rss" | "heap") => runs.reference!.map((r) => r[batch][key]);
      rows.push(compare(scenario, `RSS per connection, ${who}`, ours("rss"), reference("rss"), { atMost: 1.5 }, "kibibytes"));
      rows.push({
        ...compare(scenario, `JS heap per connection, ${who}`, ours("heap"), reference("heap"), { atMost: 1.5 }, "kibibytes"),
        note: `medians of ${median(ours("heap")).toFixed(0)} B and ${median(reference("heap")).toFixed(0)} B`,
      });
    }
  }
  return rows;
}
