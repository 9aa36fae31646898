/**
 * What a scenario gets from the runner: the run's settings, servers and the
 * load generator as processes, alternation of variants over rounds, and
 * rows for the table.
 *
 * A scenario is any `bench/scenarios/<name>.ts` exporting
 * `run(ctx: BenchContext): Promise<BenchRow[]>` (and optionally `order`, a
 * number: lower runs first, default 100). The runner finds them itself.
 */
import type { Job } from "../load/jobs.ts";
import { type Child, type ForkOptions, start } from "./processes.ts";
import { median } from "./stats.ts";

/** One line of the table. */
export interface BenchRow {
  /** The scenario's name, e.g. "fanout 50". */
  scenario: string;
  /** What is measured, e.g. "deliveries/s". */
  metric: string;
  /** Our median. */
  ours: number;
  /** The reference's median, when there is one. */
  reference?: number;
  /** ours / reference, when there is a reference. */
  ratio?: number;
  /** What the figure must reach, for the table ("≥ 0.9× ref", "≤ 16 KiB"). */
  target?: string;
  /** Whether the target is met; absent when there is none. */
  ok?: boolean;
  /** How to print `ours` and `reference`. */
  format?: "integer" | "rate" | "microseconds" | "nanoseconds" | "kibibytes" | "percent" | "seconds";
  /** Every run's figure, for the JSON. */
  runs?: { ours: number[]; reference?: number[] };
  note?: string;
}

/** The servers the runner knows, by name: entry files relative to the repository root. */
export const SERVERS: Record<string, string> = {
  repod: "bench/servers/repod-server.ts",
  reference: "bench/servers/reference-server.ts",
};

export interface RunningServer {
  readonly port: number;
  readonly process: Child;
  /** Collects garbage in the server and reports its memory. */
  memory(): Promise<{ rss: number; heapUsed: number; external: number }>;
  /** CPU time (user + system, µs) the server has used so far. */
  cpu(): Promise<number>;
  stop(): Promise<void>;
}

export interface BenchContext {
  /** `--quick`: smaller runs for a fast look. */
  readonly quick: boolean;
  /** Alternating rounds per comparison (at least 3). */
  readonly rounds: number;
  /** Progress on stderr. */
  log(message: string): void;
  /** Starts any process entry (bundled), e.g. a WebSocket server of another scenario. */
  start(entry: string, args?: string[], options?: ForkOptions): Promise<Child>;
  /** Starts a server by name (see SERVERS, or an entry path) and waits for its port. */
  server(name: string, args?: string[]): Promise<RunningServer>;
  /**
   * Runs one load generator job against `server`; resolves with its result
   * and the server's CPU time over the job's measured part.
   */
  load<T>(server: RunningServer, job: Job): Promise<T & { serverCpuMicros: number }>;
  /** Starts the load generator on a job; for jobs that talk back (hold). */
  loadProcess(port: number, job: Job): Promise<Child>;
  /**
   * Calls `measure` for every variant in every round, alternating the order
   * from one round to the next (A B, B A, A B…) so that drift of the machine
   * falls on both alike. Returns each variant's results in round order.
   */
  alternate<T>(variants: readonly string[], measure: (variant: string, round: number) => Promise<T>): Promise<Record<string, T[]>>;
}

export interface ContextOptions {
  quick: boolean;
  rounds: number;
  /** Node flags for every server process (e.g. `--cpu-prof`). */
  serverExecArgv: (name: string) => string[];
}

export function createContext(options: ContextOptions): BenchContext {
  const ctx: BenchContext = {
    quick: options.quick,
    rounds: options.rounds,
    log: (message) => process.stderr.write(`  ${message}\n`),
    start,
    async server(name, args = []) {
      const entry = SERVERS[name] ?? name;
      const child = await start(entry, args, { execArgv: options.serverExecArgv(name) });
      const { port } = await child.next<{ port: number }>("ready", 30_000);
      return {
        port,
        process: child,
        async memory() {
          child.send({ type: "gc" });
          return child.next("memory");
        },
        async cpu() {
          child.send({ type: "cpu" });
          return (await child.next<{ micros: number }>("cpu")).micros;
        },
        stop: () => child.stop(),
      };
    },
    async loadProcess(port, job) {
      return start("bench/load/load-generator.ts", ["--port", String(port), "--job", JSON.stringify(job)]);
    },
    async load<T>(server: RunningServer, job: Job): Promise<T & { serverCpuMicros: number }> {
      const child = await ctx.loadProcess(server.port, job);
      const marks: number[] = [];
      child.on("mark", () => {
        void server.cpu().then((micros) => {
          marks.push(micros);
          child.send({ type: "marked" });
        });
      });
      try {
        const { result } = await child.next<{ result: T }>("result", 300_000);
        return { ...result, serverCpuMicros: marks.length >= 2 ? marks[marks.length - 1]! - marks[0]! : NaN };
      } finally {
        await child.stop();
      }
    },
    async alternate<T>(variants: readonly string[], measure: (variant: string, round: number) => Promise<T>) {
      const results: Record<string, T[]> = Object.fromEntries(variants.map((variant) => [variant, []]));
      for (let round = 0; round < options.rounds; round++) {
        const order = round % 2 === 0 ? variants : [...variants].reverse();
        for (const variant of order) results[variant]!.push(await measure(variant, round));
      }
      return results;
    },
  };
  return ctx;
}

/** How a row's ratio to the reference is judged. */
export type RatioTarget = { atLeast: number } | { atMost: number };

/** A row comparing our runs with the reference's, on medians. */
export function compare(scenario: string, metric: string, ours: number[], reference: number[], target: RatioTarget, format: BenchRow["format"]): BenchRow {
  const a = median(ours);
  const b = median(reference);
  const ratio = a / b;
  const ok = "atLeast" in target ? ratio >= target.atLeast : ratio <= target.atMost;
  const goal = "atLeast" in target ? `≥ ${target.atLeast}× ref` : `≤ ${target.atMost}× ref`;
  return { scenario, metric, ours: a, reference: b, ratio, target: goal, ok, format, runs: { ours, reference } };
}
