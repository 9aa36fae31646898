/**
 * A real redis-server (Debian's package) for tests and benchmarks: on a free
 * port of 127.0.0.1, without persistence, stopped (and restartable on the
 * same port) on demand.
 *
 * ```ts
 * const redis = await RedisServer.start();
 * new RedisAdapter({ url: redis.url });
 * await redis.stop();
 * ```
 */
import { type ChildProcess, spawn } from "node:child_process";
import net from "node:net";
import { PATIENCE_MS } from "./wait.ts";

export class RedisServer {
  private child: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  /** `redis://127.0.0.1:<port>` */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get isRunning(): boolean {
    return this.child !== null;
  }

  /** The running redis-server's process id (undefined when stopped). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts redis-server on a free port; resolves once it accepts connections. */
  static async start(timeoutMs = PATIENCE_MS): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.restart(timeoutMs);
    return server;
  }

  /** A redis-server for `port`, not started yet (`restart()` starts it): for tests of a Redis that comes late. */
  static at(port: number): RedisServer {
    return new RedisServer(port);
  }

  /** Starts it (again) on its port, empty (there is no persistence). */
  async restart(timeoutMs = PATIENCE_MS): Promise<void> {
    if (this.child) throw new Error("redis-server is already running");
    const child = spawn(
      "redis-server",
      ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--loglevel", "warning"],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    this.child = child;
    const exited = new Promise<never>((_, reject) =>
      child.once("exit", (code) =>
        reject(new Error(`redis-server exited with ${code}: ${stderr.trim() || "(no output)"} — is it installed (apt-get install redis-server)?`)),
      ),
    );
    exited.catch(() => (this.child = null));
    child.once("error", () => (this.child = null));
    await Promise.race([waitForPort(this.port, timeoutMs), exited]);
  }

  /** Stops it: SIGTERM (a clean shutdown) or SIGKILL (a crash). Resolves when the process is gone. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill(signal);
    });
  }
}

/** A port nobody listens on now (the kernel's pick for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves once something answers PING with PONG on the port. */
async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ping(port)) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not answer on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => socket.write("PING\r\n"));
    let reply = "";
    socket.setTimeout(500, () => socket.destroy());
    socket.on("data", (chunk) => {
      reply += chunk;
      if (reply.includes("\r\n")) {
        socket.destroy();
        resolve(reply.startsWith("+PONG"));
      }
    });
    socket.on("error", () => resolve(false));
    socket.on("close", () => resolve(false));
  });
}
