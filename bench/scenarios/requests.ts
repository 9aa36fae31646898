/**
 * Requests beside messages (`bench/requests.ts`): the round trip of an
 * awaited `request()` against that of a message answered by a message, one
 * generated client and server over TCP. The ratio is request to message.
 */
import type { BenchContext, BenchRow } from "../lib/context.ts";
import { runScript } from "../lib/script.ts";
import type { RequestNumbers } from "../requests.ts";

export const order = 65;

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const rounds: RequestNumbers[][] = [];
  for (let i = 0; i < (ctx.quick ? 1 : 3); i++) rounds.push(await runScript<RequestNumbers>("bench/requests.ts"));
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  const of = (kind: RequestNumbers["kind"], key: "p50Us" | "p99Us" | "roundTripsPerSecond" | "cpuUs"): number[] =>
    rounds.map((r) => r.find((n) => n.kind === kind)![key]);
  const scenario = "requests vs messages (3000 round trips)";
  const row = (metric: string, key: "p50Us" | "p99Us" | "roundTripsPerSecond" | "cpuUs", format: BenchRow["format"], atMost?: number): BenchRow => {
    const request = median(of("request", key));
    const message = median(of("message", key));
    const ratio = request / message;
    return {
      scenario,
      metric: `${metric} (reference: message)`,
      ours: request,
      reference: message,
      ratio,
      format,
      ...(atMost === undefined ? {} : { target: `≤ ${atMost}× ref`, ok: ratio <= atMost }),
      runs: { ours: of("request", key), reference: of("message", key) },
    };
  };
  return [
    row("round trip p50", "p50Us", "microseconds", 1.2),
    row("round trip p99", "p99Us", "microseconds"),
    row("round trips/s", "roundTripsPerSecond", "rate"),
    row("CPU per round trip, client and server", "cpuUs", "microseconds"),
  ];
}
