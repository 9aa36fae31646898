/**
 * The load generator process: runs one job against `--port` and reports its
 * result to the runner over IPC. It speaks only the wire format.
 *
 * IPC (load → runner): `{type: "mark"}` around the measured part (answered
 * by `{type: "marked"}`), `{type: "holding"}` once a `hold` job's
 * connections are open (answered by `{type: "release"}`), `{type: "phase",
 * name}` when a neighbour job moves on (answered by `{type: "phased"}`), then
 * `{type: "result", result}` or `{type: "failed", message}`.
 */
import { parseArgs } from "node:util";
import { fanout, flood, hold, type Job, neighbour, type Runner, rtt, throughput } from "./jobs.ts";

const send = (message: object): void => void process.send?.(message);
const { values } = parseArgs({ options: { port: { type: "string" }, job: { type: "string" } }, strict: true });
const port = Number(values.port);
const job = JSON.parse(values.job!) as Job;

/** Sends `message` and waits for the runner's answer of type `answer`. */
function ask(message: object, answer: string): Promise<void> {
  return new Promise((resolve) => {
    const listener = (reply: { type?: string }): void => {
      if (reply.type !== answer) return;
      process.off("message", listener);
      resolve();
    };
    process.on("message", listener);
    send(message);
  });
}

const runner: Runner = {
  mark: () => ask({ type: "mark" }, "marked"),
  holding: () => ask({ type: "holding" }, "release"),
  phase: (name) => ask({ type: "phase", name }, "phased"),
};

async function main(): Promise<unknown> {
  switch (job.kind) {
    case "rtt":
      return rtt(port, job, runner);
    case "throughput":
      return throughput(port, job, runner);
    case "fanout":
      return fanout(port, job, runner);
    case "hold":
      return hold(port, job, runner);
    case "neighbour":
      return neighbour(port, job, runner);
    case "flood":
      return flood(port, runner);
  }
}

try {
  send({ type: "result", result: await main() });
} catch (error) {
  send({ type: "failed", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
}
process.disconnect?.();
