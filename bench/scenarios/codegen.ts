/**
 * codegen: seconds to generate a 200-message protocol, measured by
 * `bench/codegen.ts` (written with the generator). That module follows the
 * scenario convention — `run(ctx)` returning rows — or returns the seconds
 * as a number, judged here against the 3 s target.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { ROOT } from "../lib/build.ts";
import type { BenchContext, BenchRow } from "../lib/context.ts";

export const order = 50;

const MODULE = path.join(ROOT, "bench", "codegen.ts");

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const scenario = "codegen (200 messages)";
  if (!existsSync(MODULE)) return [{ scenario, metric: "seconds", ours: NaN, note: "bench/codegen.ts is not there yet" }];
  const module = (await import(MODULE)) as { run?: (ctx: BenchContext) => Promise<BenchRow[] | number> };
  if (typeof module.run !== "function") return [{ scenario, metric: "seconds", ours: NaN, note: "bench/codegen.ts exports no run()" }];
  const result = await module.run(ctx);
  if (typeof result !== "number") return result;
  return [{ scenario, metric: "seconds", ours: result, target: "≤ 3 s", ok: result <= 3, format: "seconds" }];
}
