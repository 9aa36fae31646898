/**
 * How long `repod generate` takes on a synthetic protocol of 200 messages
 * (100 each way, every kind of field, 40 named types). Prints seconds; never
 * part of `npm test`.
 *
 *   npx tsx --conditions=repod-source bench/codegen.ts
 */
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";

const MESSAGES_PER_DIRECTION = 100;
const NAMED_TYPES = 40;
const WARM_RUNS = 5;

/** The text of the synthetic protocol file. */
function syntheticProtocol(): string {
  const lines: string[] = ['import type { Int } from "repod";', ""];
  for (let t = 0; t < NAMED_TYPES; t++) {
    lines.push(`/** Named type ${t}. */`);
    lines.push(`export interface Thing${t} {`);
    lines.push("  id: Int;");
    lines.push("  name: string;");
    lines.push(`  kind: "a${t}" | "b${t}" | "c${t}";`);
    lines.push("  pos: [x: number, y: number];");
    lines.push(t > 0 ? `  parent?: Thing${t - 1} | null;` : "  parent?: null;");
    lines.push("  tags: Record<string, boolean>;");
    lines.push("}");
  }
  const fields = (i: number) =>
    [
      `/** Field doc ${i}. */ count: Int`,
      "label: string",
      "ratio?: number",
      `thing: Thing${i % NAMED_TYPES}`,
      `things: Thing${(i + 1) % NAMED_TYPES}[]`,
      "data: Uint8Array | null",
      `mode: "on" | "off" | ${i}`,
      `nested: { a: string; b: { c: Int[]; d?: Record<string, string | number> } }`,
      `choice: Thing${(i + 2) % NAMED_TYPES} | string[] | null`,
    ].join(";\n    ");
  for (const direction of ["Client", "Server"]) {
    lines.push(`export interface ${direction}Messages {`);
    for (let m = 0; m < MESSAGES_PER_DIRECTION; m++) {
      lines.push(`  /** Message ${m}. */`);
      lines.push(`  ${direction.toLowerCase()}_action_${m}: {\n    ${fields(m)};\n  };`);
    }
    lines.push("}");
  }
  return `${lines.join("\n")}\n`;
}

const source = { "protocol/bench.protocol.ts": syntheticProtocol() };

const startImport = performance.now();
const { generate } = await import("../codegen/index.ts");
const importSeconds = (performance.now() - startImport) / 1000;

const run = () => {
  const start = performance.now();
  const files = generate(Object.keys(source), { cwd: "/bench", sources: source });
  return { seconds: (performance.now() - start) / 1000, bytes: files[0].text.length };
};

const cold = run();
const warm = Array.from({ length: WARM_RUNS }, run)
  .map((r) => r.seconds)
  .sort((a, b) => a - b);
const median = warm[Math.floor(WARM_RUNS / 2)];

if (parseArgs({ options: { json: { type: "boolean", default: false } }, strict: true }).values.json) {
  // For `npm run bench`: the time a user waits for `repod generate` past Node's own start-up.
  console.log(
    JSON.stringify({ bench: "codegen", messages: 2 * MESSAGES_PER_DIRECTION, loadSeconds: importSeconds, firstSeconds: cold.seconds, warmSeconds: median }),
  );
} else {
  console.log(`codegen: synthetic protocol, ${2 * MESSAGES_PER_DIRECTION} messages, ${NAMED_TYPES} named types`);
  console.log(`  input ${(source["protocol/bench.protocol.ts"].length / 1024).toFixed(0)} KiB, output ${(cold.bytes / 1024).toFixed(0)} KiB`);
  console.log(`  loading the generator (ts-morph): ${importSeconds.toFixed(3)} s`);
  console.log(`  first generate():                 ${cold.seconds.toFixed(3)} s`);
  console.log(`  generate(), median of ${WARM_RUNS}:         ${median.toFixed(3)} s`);
}
