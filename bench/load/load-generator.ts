/**
 * The load generator process: runs one job against `--port` and reports its
 * result to the runner over IPC. It speaks only the wire format.
 *
 * IPC (runner → load): `{type: "release"}` ends a `hold` job.
 * (load → runner): `{type: "holding"}` once a `hold` job's connections are open,
 * `{type: "result", result}` or `{type: "failed", message}`.
 */
import { fanout, hold, rtt, throughput, type Job } from "./jobs.ts";

const send = (message: object): void => void process.send?.(message);
const port = Number(process.argv[process.argv.indexOf("--port") + 1]);
const job = JSON.parse(process.argv[process.argv.indexOf("--job") + 1]!) as Job;

async function main(): Promise<unknown> {
  switch (job.kind) {
    case "rtt":
      return rtt(port, job);
    case "throughput":
      return throughput(port, job);
    case "fanout":
      return fanout(port, job);
    case "hold":
      return hold(port, job, () => {
        send({ type: "holding" });
        return new Promise((resolve) => process.once("message", () => resolve()));
      });
  }
}

try {
  send({ type: "result", result: await main() });
} catch (error) {
  send({ type: "failed", message: error instanceof Error ? error.stack ?? error.message : String(error) });
}
process.disconnect?.();
