/**
 * Runs a stand-alone benchmark script of this repository with `--json` in
 * its own process and returns the JSON lines it printed: how the runner takes
 * in measurements that live in a script of their own (WebSocket, Redis,
 * codegen).
 */
import { execFile } from "node:child_process";
import { ROOT } from "./build.ts";

/** Runs `script --json ...args`; resolves with the JSON lines it printed. */
export function runScript<T>(script: string, timeoutMs = 300_000, args: readonly string[] = []): Promise<T[]> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--conditions=repod-source", "--import", "tsx", script, "--json", ...args],
      { cwd: ROOT, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`${script} failed: ${error.message}\n${stderr}`));
        const rows = stdout
          .split("\n")
          .filter((line) => line.startsWith("{"))
          .map((line) => JSON.parse(line) as T);
        resolve(rows);
      },
    );
  });
}
