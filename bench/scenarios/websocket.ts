/**
 * WebSocket beside TCP: rtt and fanout against one server listening on both
 * (`bench/websocket.ts`). The ratio is WebSocket to TCP.
 */
import type { BenchContext, BenchRow } from "../lib/context.ts";
import { runScript } from "../lib/script.ts";

export const order = 60;

interface TransportNumbers {
  transport: "tcp" | "websocket";
  rttP50Us: number;
  rttP99Us: number;
  deliveriesPerSecond: number;
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const rounds: TransportNumbers[][] = [];
  for (let i = 0; i < (ctx.quick ? 1 : 3); i++) rounds.push(await runScript<TransportNumbers>("bench/websocket.ts"));
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  const of = (transport: string, key: "rttP50Us" | "rttP99Us" | "deliveriesPerSecond"): number =>
    median(rounds.map((r) => r.find((n) => n.transport === transport)![key]));
  const row = (metric: string, key: "rttP50Us" | "rttP99Us" | "deliveriesPerSecond", format: BenchRow["format"]): BenchRow => {
    const ws = of("websocket", key);
    const tcp = of("tcp", key);
    return { scenario: "websocket vs tcp", metric: `${metric} (reference: tcp)`, ours: ws, reference: tcp, ratio: ws / tcp, format };
  };
  return [
    row("rtt p50", "rttP50Us", "microseconds"),
    row("rtt p99", "rttP99Us", "microseconds"),
    row("fanout 50 × 500 deliveries/s", "deliveriesPerSecond", "rate"),
  ];
}
