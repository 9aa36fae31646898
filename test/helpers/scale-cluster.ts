/** Starts scale-node.ts processes (real servers with the Redis adapter) and reads what they print. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { PATIENCE_MS, waitFor } from "./wait.ts";

const script = fileURLToPath(new URL("./scale-node.ts", import.meta.url));

export interface ScaleNode {
  readonly port: number;
  readonly serverId: string;
  readonly child: ChildProcess;
  /** Every JSON line printed after the first: errors and adapter events. */
  readonly lines: Array<Record<string, unknown>>;
  /** Kills the process (SIGKILL: no goodbye) or stops it (SIGTERM: clean). */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startNode(redisUrl: string, prefix: string, heartbeatMs = 200, timeoutMs = PATIENCE_MS): Promise<ScaleNode> {
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=repod-source", script, redisUrl, prefix, String(heartbeatMs)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Array<Record<string, unknown>> = [];
  let stderr = "";
  let buffer = "";
  let exited = false;
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  child.stdout!.on("data", (chunk) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not ours
      }
    }
  });
  child.once("exit", () => (exited = true));
  await waitFor(() => lines.length > 0 || exited, "a scale-out node to listen", timeoutMs);
  if (!lines.length) throw new Error(`scale-out node exited: ${stderr}`);
  const first = lines.shift()!;
  return {
    port: Number(first.port),
    serverId: String(first.serverId),
    child,
    lines,
    async kill(signal: NodeJS.Signals = "SIGKILL") {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill(signal);
      await gone;
    },
  };
}
