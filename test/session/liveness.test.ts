import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { encodeFrame } from "../../runtime/index.ts";
import { RawPeer } from "../helpers/raw-peer.ts";
import { sleep, waitFor } from "../helpers/wait.ts";
import { cleanup, listener, runCleanup, startServer } from "./fixtures.ts";

afterEach(runCleanup);

const FAST = { heartbeatIntervalMs: 40, timeoutMs: 160 };

/** A server that greets like ours, offering a heartbeat, and then says nothing at all. */
async function silentServer(): Promise<{ port: number; sockets: net.Socket[] }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on("error", () => {});
    socket.write(encodeFrame({ action: "connected", id: "x.1", features: ["heartbeat", "resume"], token: "0".repeat(32), heartbeatMs: 40, timeoutMs: 160 }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanup.push(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as net.AddressInfo).port, sockets };
}

describe("heartbeat", () => {
  it("the server closes a client of ours that fell silent with TIMEOUT, suspends its session, then ends it when the window passes", async () => {
    const server = await startServer({ ...FAST, resumeWindowMs: 300 });
    const peer = await RawPeer.connect(server.address.port);
    cleanup.push(() => peer.close());
    await peer.waitFor(1);
    peer.send({ action: "_hello", features: ["heartbeat", "resume"] }); // then never a word
    await peer.waitClosed(2000);
    expect(server.errors).toContain("TIMEOUT");
    const channel = server.connected[0]!;
    expect(channel.hooks).toEqual(["connect", "suspend"]);
    await waitFor(() => server.disconnected.length === 1, "onDisconnect after the resume window", 2000);
    // It got heartbeats while it was alive: it had announced it understands them.
    expect(peer.actions()).toContain("_hb");
  });

  it("the client closes a server that fell silent with TIMEOUT (error, then disconnected, when not reconnecting)", async () => {
    const { port } = await silentServer();
    const client = listener({ reconnect: false });
    await client.connect("127.0.0.1", port);
    await client.waitFor("disconnected", 1, 2000);
    expect(client.actions()).toEqual(["socketConnect", "connected", "error", "disconnected"]);
    expect(client.of("error")[0]!.code).toBe("TIMEOUT");
  });

  it("the client reconnects after a TIMEOUT when it may", async () => {
    const { port } = await silentServer();
    const client = listener({ reconnectAttempts: 1 });
    await client.connect("127.0.0.1", port);
    await client.waitFor("reconnecting", 1, 2000);
    expect(client.of("reconnecting")[0]).toMatchObject({ code: "TIMEOUT", attempt: 1 });
    expect(client.connection.state).toBe("reconnecting");
    expect(client.connection.isConnected).toBe(false);
  });
});

describe("Python repod peers", () => {
  it("are never sent a control frame and never timed out, talking or silent", async () => {
    const server = await startServer(FAST);
    const talking = await RawPeer.connect(server.address.port);
    const silent = await RawPeer.connect(server.address.port);
    cleanup.push(() => talking.close(), () => silent.close());
    await talking.waitFor(1);
    talking.send({ action: "echo", n: 1 });
    await talking.waitFor(2);
    await sleep(8 * FAST.timeoutMs);
    talking.send({ action: "echo", n: 2 });
    await talking.waitFor(3);
    expect(talking.closed).toBe(false);
    expect(silent.closed).toBe(false);
    expect(talking.actions()).toEqual(["connected", "echo", "echo"]);
    expect(silent.actions()).toEqual(["connected"]);
    expect(server.errors).toEqual([]);
  });

  it("leave at once when they close: no session is kept for them", async () => {
    const server = await startServer(FAST);
    const peer = await RawPeer.connect(server.address.port);
    await peer.waitFor(1);
    peer.send({ action: "echo" });
    await peer.waitFor(2);
    peer.close();
    await waitFor(() => server.disconnected.length === 1, "onDisconnect", 1000);
    expect(server.connected[0]!.hooks).toEqual(["connect", "close"]);
  });
});
