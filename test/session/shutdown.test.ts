import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { isRepodError } from "../../runtime/index.ts";
import { ManualClock } from "../helpers/manual-clock.ts";
import { waitFor } from "../helpers/wait.ts";
import { breakConnection, listener, runCleanup, startServer } from "./fixtures.ts";

afterEach(runCleanup);

describe("deliberate ends", () => {
  it("stop() delivers what every channel had queued, then closes; clients do not try to resume", async () => {
    const server = await startServer();
    const clients = [listener(), listener()];
    for (const client of clients) await client.connect("127.0.0.1", server.address.port);
    for (const client of clients) await client.waitFor("connected");
    await waitFor(() => server.channels.size === 2, "two channels");
    for (const channel of server.channels) for (let i = 0; i < 1000; i++) channel.send({ action: "item", i });
    await server.stop();
    for (const client of clients) {
      await client.waitFor("disconnected");
      expect(client.of("item").map((m) => m.i)).toEqual([...Array(1000).keys()]);
      expect(client.actions().filter((a) => a !== "item")).toEqual(["socketConnect", "connected", "disconnected"]);
    }
    expect(server.disconnected).toHaveLength(2);
  });

  it("stop() ends suspended sessions too (onDisconnect), without waiting for their window", async () => {
    const server = await startServer();
    const client = listener({ reconnect: false });
    await client.connect("127.0.0.1", server.address.port);
    await client.waitFor("connected");
    breakConnection(client);
    await waitFor(() => server.connected[0]?.hooks.includes("suspend") ?? false, "suspended");
    await server.stop();
    expect(server.disconnected).toHaveLength(1);
    expect(server.channels.size).toBe(0);
  });

  it("channel.close() is final: the client gets disconnected and does not reconnect", async () => {
    const server = await startServer();
    const clock = new ManualClock();
    const client = listener({ clock });
    await client.connect("127.0.0.1", server.address.port);
    await client.waitFor("connected");
    await waitFor(() => server.connected.length === 1, "channel");
    server.connected[0]!.close();
    await client.waitFor("disconnected");
    expect(clock.pending).toBe(0); // no reconnection waits for its backoff, no heartbeat goes on
    expect(client.actions()).toEqual(["socketConnect", "connected", "disconnected"]);
  });

  it("client.close() is final: the server lets the channel go at once instead of suspending it", async () => {
    const server = await startServer();
    const client = listener();
    await client.connect("127.0.0.1", server.address.port);
    await client.waitFor("connected");
    await waitFor(() => server.connected.length === 1, "channel");
    client.close();
    await waitFor(() => server.disconnected.length === 1, "onDisconnect");
    expect(server.connected[0]!.hooks).toEqual(["connect", "close"]);
  });

  it("launch() stops cleanly on SIGTERM: queued messages arrive, the process exits 0", async () => {
    const script = fileURLToPath(new URL("./launch-server.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", "--conditions=repod-source", script], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      await waitFor(() => /port \d+/.test(out), "the child's port");
      const port = Number(/port (\d+)/.exec(out)![1]);
      const client = listener();
      await client.connect("127.0.0.1", port);
      await client.waitFor("connected");
      client.send({ action: "burst", count: 500 });
      await client.waitFor("disconnected", 1);
      expect(client.of("item").map((m) => m.i)).toEqual([...Array(500).keys()]);
      expect(client.of("reconnecting")).toHaveLength(0);
      expect(await exited).toBe(0);
      expect(out).toContain("stopped");
    } finally {
      child.kill("SIGKILL");
    }
  });
});

describe("sends while away", () => {
  it("are kept up to maxRetainedBytes and delivered after resume; past it, send() throws QUEUE_FULL", async () => {
    const server = await startServer();
    const client = listener({ maxRetainedBytes: 4000, reconnectMinDelayMs: 100, reconnectMaxDelayMs: 100 });
    await client.connect("127.0.0.1", server.address.port);
    await client.waitFor("connected");
    await waitFor(() => server.connected.length === 1, "channel");
    const channel = server.connected[0]!;
    breakConnection(client);
    await client.waitFor("reconnecting");
    let accepted = 0;
    let refused: unknown;
    for (let i = 0; i < 100 && refused === undefined; i++) {
      try {
        client.send({ action: "note", i, text: "y".repeat(100) });
        accepted++;
      } catch (error) {
        refused = error;
      }
    }
    expect(isRepodError(refused, "QUEUE_FULL")).toBe(true);
    expect(accepted).toBeGreaterThan(20);
    expect(accepted).toBeLessThan(40);
    await client.waitFor("reconnected");
    await waitFor(() => channel.got.length === accepted, `${accepted} notes`);
    expect(channel.got.map((m) => m.i)).toEqual([...Array(accepted).keys()]);
  });
});
