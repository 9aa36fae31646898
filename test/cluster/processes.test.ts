/**
 * The process harness: servers in child processes that stop on SIGTERM with
 * their exit code, die on SIGKILL, report what they printed when they fail,
 * and never outlive the test (not even a parent killed with SIGKILL).
 */
import { spawn } from "node:child_process";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/wait.ts";
import { startRedis, startServer, stopAll } from "./processes.ts";

afterAll(stopAll);

const root = fileURLToPath(new URL("../..", import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

describe("process harness", () => {
  it("starts a server script, reads its port, stops it with SIGTERM (exit 0) and kills another with SIGKILL", async () => {
    const [a, b] = await Promise.all([startServer("test/cluster/chat-server.ts", ["--port", "0"]), startServer("test/cluster/chat-server.ts")]);
    expect(await accepts(a!.port)).toBe(true);
    expect(await accepts(b!.port)).toBe(true);
    expect(await a!.stop()).toBe(0);
    expect(a!.exited).toBe(true);
    expect(alive(a!.pid)).toBe(false);
    await b!.kill();
    expect(b!.exited).toBe(true);
    expect(await b!.stop()).toBe(128 + 9);
    expect(await accepts(b!.port)).toBe(false);
  });

  it("rejects with the script's output when it exits before listening", async () => {
    await expect(startServer("test/cluster/chat-server.ts", ["--no-such-option"])).rejects.toThrow(
      /chat-server\.ts exited \(1\) before it was listening; its output:\n[\s\S]*no-such-option/,
    );
  });

  it("stopAll kills what is still running", async () => {
    const server = await startServer("test/cluster/chat-server.ts");
    const redis = await startRedis();
    await stopAll();
    expect(server.exited).toBe(true);
    expect(await accepts(redis.port)).toBe(false);
    await redis.close();
  });

  it("starts a redis-server that answers, and closes it", async () => {
    const redis = await startRedis();
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(await accepts(redis.port)).toBe(true);
    await redis.close();
    expect(await accepts(redis.port)).toBe(false);
  });

  it("a server dies with its parent, even when the parent is SIGKILLed", async () => {
    const parent = spawn(process.execPath, ["--conditions=repod-source", "--import", "tsx", "test/cluster/orphan-parent.ts"], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    parent.stdout!.on("data", (chunk) => (out += chunk));
    try {
      await waitFor(() => /\{"child":\d+\}/.test(out), "the parent to start its server");
      const child = Number(/\{"child":(\d+)\}/.exec(out)![1]);
      expect(alive(child)).toBe(true);
      parent.kill("SIGKILL");
      await waitFor(() => !alive(child), "the orphaned server to die");
    } finally {
      parent.kill("SIGKILL");
    }
  });
});
