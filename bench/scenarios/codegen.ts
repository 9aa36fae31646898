/**
 * codegen: seconds to generate a 200-message protocol (`bench/codegen.ts`),
 * from loading the generator to the first file generated — what a user waits
 * for in `repod generate` past Node's own start-up.
 */
import type { BenchContext, BenchRow } from "../lib/context.ts";
import { runScript } from "../lib/script.ts";

export const order = 50;

interface CodegenResult {
  messages: number;
  loadSeconds: number;
  firstSeconds: number;
  warmSeconds: number;
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const runs: CodegenResult[] = [];
  for (let i = 0; i < (ctx.quick ? 1 : 3); i++) runs.push(...(await runScript<CodegenResult>("bench/codegen.ts")));
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  const total = median(runs.map((r) => r.loadSeconds + r.firstSeconds));
  const scenario = `codegen (${runs[0]!.messages} messages)`;
  return [
    {
      scenario,
      metric: "load + first generate",
      ours: total,
      target: "≤ 3 s",
      ok: total <= 3,
      format: "seconds",
      runs: { ours: runs.map((r) => r.loadSeconds + r.firstSeconds) },
    },
    { scenario, metric: "generate again (warm)", ours: median(runs.map((r) => r.warmSeconds)), format: "seconds" },
  ];
}
