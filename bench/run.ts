/**
 * `npm run bench`: runs every scenario in bench/scenarios/ against our
 * server and the reference, prints the table, and writes the results to
 * bench/results/ (JSON, and the table as markdown).
 *
 * Flags:
 *   --quick          smaller runs, one round: a fast look, not figures to publish
 *   --rounds N       alternating rounds per comparison (default 5; 1 with --quick, a smoke test)
 *   --only a,b       only these scenarios (file names without .ts)
 *   --profile        write a CPU profile (.cpuprofile) of every server process to bench/results/profiles/
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { numberOption } from "../examples/args.ts";
import { ROOT } from "./lib/build.ts";
import { type BenchContext, type BenchRow, createContext } from "./lib/context.ts";
import { markdownTable, textTable } from "./lib/table.ts";

interface ScenarioModule {
  order?: number;
  run(ctx: BenchContext): Promise<BenchRow[]>;
}

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    rounds: { type: "string" },
    only: { type: "string" },
    profile: { type: "boolean", default: false },
  },
  strict: true,
});
const quick = flags.quick;
const rounds = numberOption("rounds", flags.rounds, quick ? 1 : 5);
const only = flags.only?.split(",");
const results = path.join(ROOT, "bench", "results");
const profiles = path.join(results, "profiles");

async function scenarios(): Promise<Array<{ name: string } & ScenarioModule>> {
  const dir = path.join(ROOT, "bench", "scenarios");
  const found: Array<{ name: string } & ScenarioModule> = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".ts"))
    .sort()) {
    const name = file.slice(0, -3);
    if (only && !only.includes(name)) continue;
    const module = (await import(pathToFileURL(path.join(dir, file)).href)) as ScenarioModule;
    if (typeof module.run === "function") found.push({ name, ...module });
  }
  return found.sort((a, b) => (a.order ?? 100) - (b.order ?? 100) || a.name.localeCompare(b.name));
}

const machine = {
  cpus: os.cpus().length,
  cpu: os.cpus()[0]?.model ?? "unknown",
  memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
};
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;

if (flags.profile) mkdirSync(profiles, { recursive: true });
const ctx = createContext({
  quick,
  rounds,
  serverExecArgv: (name) =>
    flags.profile ? ["--cpu-prof", `--cpu-prof-dir=${profiles}`, `--cpu-prof-name=${path.basename(name, ".ts")}-${Date.now()}.cpuprofile`] : [],
});

process.stderr.write(`${command}: ${machine.cpus} × ${machine.cpu}, Node ${machine.node}; ${rounds} alternating rounds${quick ? ", quick" : ""}\n`);
const started = Date.now();
// Other work on the machine moves every figure; the load average says how much there was.
const loadBefore = os.loadavg()[0]!;
const rows: BenchRow[] = [];
for (const scenario of await scenarios()) {
  process.stderr.write(`${scenario.name}…\n`);
  const t0 = Date.now();
  try {
    rows.push(...(await scenario.run(ctx)));
  } catch (error) {
    rows.push({ scenario: scenario.name, metric: "failed", ours: NaN, ok: false, note: error instanceof Error ? error.message : String(error) });
  }
  ctx.log(`${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
const seconds = (Date.now() - started) / 1000;
const load = { before: loadBefore, after: os.loadavg()[0]! };

console.log(textTable(rows));
for (const row of rows) if (row.note) console.log(`  ${row.scenario} / ${row.metric}: ${row.note}`);
console.log(
  `\n${machine.cpus} × ${machine.cpu}, ${machine.memory}, Node ${machine.node}, ${machine.platform}; ${rounds} alternating rounds, medians; ${seconds.toFixed(0)} s; load average ${load.before.toFixed(1)} before, ${load.after.toFixed(1)} after`,
);

mkdirSync(results, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const report = { date: new Date().toISOString(), command, machine, load, quick, rounds, seconds, rows };
writeFileSync(path.join(results, `bench-${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(path.join(results, "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(path.join(results, "latest.md"), `${markdownTable(rows)}\n`);
console.log(`results: bench/results/bench-${stamp}.json, bench/results/latest.md`);
if (rows.some((row) => row.ok === false)) process.exitCode = 1;
