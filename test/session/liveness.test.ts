import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { encodeFrame } from "../../runtime/index.ts";
import { decodePayload } from "../../runtime/wire/codec.ts";
import { FrameDecoder } from "../../runtime/wire/frame-decoder.ts";
import { ManualClock } from "../helpers/manual-clock.ts";
import { RawPeer } from "../helpers/raw-peer.ts";
import { waitFor } from "../helpers/wait.ts";
import { cleanup, listener, runCleanup, startServer } from "./fixtures.ts";

afterEach(runCleanup);

const FAST = { heartbeatIntervalMs: 40, timeoutMs: 160 };

/** A server that greets like ours, offering a heartbeat, and then says nothing at all; it records the actions it receives. */
async function silentServer(): Promise<{ port: number; received: () => string[]; connections: () => number }> {
  const sockets: net.Socket[] = [];
  const actions: string[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    const decoder = new FrameDecoder(1 << 20);
    socket.on("data", (chunk) =>
      decoder.push(chunk, (source, start, end) => actions.push(String((decodePayload(source, start, end) as { action: unknown }).action))),
    );
    socket.on("error", () => {});
    socket.write(encodeFrame({ action: "connected", id: "x.1", features: ["heartbeat", "resume"], token: "0".repeat(32), heartbeatMs: 40, timeoutMs: 160 }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanup.push(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as net.AddressInfo).port, received: () => actions, connections: () => sockets.length };
}

describe("heartbeat", () => {
  it("the server beats a client of ours that fell silent 4 times, closes it with TIMEOUT at the 5th beat, suspends its session, then ends it when the window passes", async () => {
    const clock = new ManualClock();
    const server = await startServer({ ...FAST, resumeWindowMs: 300, clock });
    const peer = await RawPeer.connect(server.address.port);
    cleanup.push(() => peer.close());
    await peer.waitFor(1);
    peer.send({ action: "_hello", features: ["heartbeat", "resume"] }); // then never a word
    await waitFor(() => clock.pending === 1, "the heartbeat to start: the session is live");
    expect(clock.nextIn).toBe(FAST.heartbeatIntervalMs);
    const channel = server.connected[0]!;

    clock.advance(FAST.timeoutMs); // 4 beats without a word from the client: silent, not yet dead
    expect(channel.isConnected).toBe(true);
    await peer.waitFor(5);
    expect(peer.actions()).toEqual(["connected", "_hb", "_hb", "_hb", "_hb"]);

    clock.advance(FAST.heartbeatIntervalMs); // the 5th: timeoutMs of silence
    expect(channel.isConnected).toBe(false);
    await peer.waitClosed();
    await waitFor(() => channel.hooks.length === 2, "onSuspend");
    expect(channel.hooks).toEqual(["connect", "suspend"]);
    expect(server.errors).toEqual(["TIMEOUT"]);
    expect(peer.actions()).toEqual(["connected", "_hb", "_hb", "_hb", "_hb"]);

    clock.advance(299);
    expect(server.disconnected).toEqual([]);
    clock.advance(1); // the resume window, counted from the suspension
    expect(server.disconnected).toEqual([channel]);
    expect(channel.hooks).toEqual(["connect", "suspend", "close"]);
  });

  it("a client of ours that answers is never timed out", async () => {
    const clock = new ManualClock();
    const server = await startServer({ ...FAST, clock });
    const client = listener({ clock });
    await client.connect("127.0.0.1", server.address.port);
    await client.waitFor("connected");
    await waitFor(() => server.connected.length === 1 && clock.pending === 2, "both heartbeats to start");
    const channel = server.connected[0]!;
    for (let beat = 1; beat <= 20; beat++) {
      clock.advance(FAST.heartbeatIntervalMs); // both sides beat; each hears the other's before the next
      await waitFor(() => channel.link.log !== null && (channel.link.log as { heard?: boolean }).heard === true, `the client's beat ${beat}`);
    }
    expect(channel.isConnected).toBe(true);
    expect(server.errors).toEqual([]);
    expect(client.actions()).toEqual(["socketConnect", "connected"]);
  });

  it("the client beats a server that fell silent 4 times, then closes it with TIMEOUT (error, then disconnected, when not reconnecting)", async () => {
    const clock = new ManualClock();
    const { port, received } = await silentServer();
    const client = listener({ reconnect: false, clock });
    await client.connect("127.0.0.1", port);
    await client.waitFor("connected");
    await waitFor(() => clock.pending === 1, "the heartbeat to start");
    clock.advance(FAST.timeoutMs);
    await waitFor(() => received().filter((action) => action === "_hb").length === 4, "4 heartbeats");
    expect(client.connection.isConnected).toBe(true);
    clock.advance(FAST.heartbeatIntervalMs);
    await client.waitFor("disconnected");
    expect(client.actions()).toEqual(["socketConnect", "connected", "error", "disconnected"]);
    expect(client.of("error")[0]!.code).toBe("TIMEOUT");
    expect(received()).toEqual(["_hello", "_hb", "_hb", "_hb", "_hb"]);
  });

  it("the client reconnects after a TIMEOUT when it may, when its backoff has passed", async () => {
    const clock = new ManualClock();
    const { port, connections } = await silentServer();
    const client = listener({ reconnectAttempts: 1, clock });
    await client.connect("127.0.0.1", port);
    await client.waitFor("connected");
    await waitFor(() => clock.pending === 1, "the heartbeat to start");
    clock.advance(FAST.timeoutMs + FAST.heartbeatIntervalMs);
    await client.waitFor("reconnecting");
    expect(client.of("reconnecting")[0]).toMatchObject({ code: "TIMEOUT", attempt: 1 });
    expect(client.connection.state).toBe("reconnecting");
    expect(client.connection.isConnected).toBe(false);
    expect(connections()).toBe(1);
    // Nothing happens until the backoff has passed.
    clock.advance(Number(client.of("reconnecting")[0]!.delayMs) - 1);
    expect(connections()).toBe(1);
    clock.advance(1);
    await waitFor(() => connections() === 2, "the second connection");
    expect(client.connection.state).toBe("reconnecting");
  });
});

describe("Python repod peers", () => {
  it("are never sent a control frame and never timed out, talking or silent", async () => {
    const clock = new ManualClock();
    const server = await startServer({ ...FAST, clock });
    const talking = await RawPeer.connect(server.address.port);
    const silent = await RawPeer.connect(server.address.port);
    cleanup.push(
      () => talking.close(),
      () => silent.close(),
    );
    await talking.waitFor(1);
    await silent.waitFor(1);
    talking.send({ action: "echo", n: 1 });
    await talking.waitFor(2);
    expect(clock.pending).toBe(0); // no heartbeat runs for them
    clock.advance(8 * FAST.timeoutMs);
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
