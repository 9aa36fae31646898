/**
 * A greeted client is a member of broadcasts: while sessions are suspended
 * the server admits a new connection (`channels`, `onConnect`) only once it
 * knows it is not a resume, but every message sent after the client's
 * `connected` reaches it — exactly once, in order — whoever the peer is and
 * whenever it is admitted.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AnyMessage, ChannelInit, ServerOptions } from "../../runtime/index.ts";
import { FaultProxy } from "../helpers/fault-proxy.ts";
import type { RecordingListener } from "../helpers/listener.ts";
import { RawPeer } from "../helpers/raw-peer.ts";
import { RawWsPeer } from "../helpers/raw-ws-peer.ts";
import type { RecordingPeer } from "../helpers/recording-peer.ts";
import { waitFor } from "../helpers/wait.ts";
import { breakConnection, cleanup, listener, RecordingChannel, RecordingServer, runCleanup } from "./fixtures.ts";

afterEach(runCleanup);

/** Joins "lobby" as it is made, before the server has admitted it. */
class LobbyChannel extends RecordingChannel {
  constructor(init: ChannelInit) {
    super(init);
    this.join("lobby");
  }
}

async function startServer(options: ServerOptions<RecordingChannel> = {}): Promise<RecordingServer> {
  const server = new RecordingServer({ channelClass: LobbyChannel, port: 0, websocket: { port: 0 }, ...options });
  await server.start();
  cleanup.push(() => server.stop());
  return server;
}

/** `count` clients of ours whose connections broke and who never come back: their sessions stay suspended. */
async function suspendSessions(server: RecordingServer, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const gone = listener({ reconnect: false });
    await gone.connect("127.0.0.1", server.address.port);
    await gone.waitFor("connected");
    await waitFor(() => server.connected.length === i + 1, "onConnect");
    breakConnection(gone);
    await waitFor(() => server.connected[i]!.hooks.includes("suspend"), "onSuspend");
  }
}

async function proxyTo(port: number): Promise<FaultProxy> {
  const proxy = await FaultProxy.start(port);
  cleanup.push(() => proxy.close());
  return proxy;
}

function connectRaw(port: number): Promise<RawPeer> {
  return RawPeer.connect(port).then((peer) => {
    cleanup.push(() => peer.close());
    return peer;
  });
}

function connectRawWs(url: string): Promise<RawWsPeer> {
  return RawWsPeer.connect(url).then((peer) => {
    cleanup.push(() => peer.close());
    return peer;
  });
}

/** The `n` of each message of `action` a peer got, in arrival order. */
function numbers(messages: ReadonlyArray<Record<string, unknown>>, action: string): unknown[] {
  return messages.filter((m) => m.action === action).map((m) => m.n);
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe("a greeted client is a member of broadcasts", () => {
  it("with suspended sessions present, listen-only peers of every kind get every broadcast, group send and direct send after `connected`, once, in order", async () => {
    const server = await startServer();
    await suspendSessions(server, 3);
    const tcpProxy = await proxyTo(server.address.port);
    const wsProxy = await proxyTo(server.websocketAddress!.port);
    // Our clients' answer to the greeting (`_hello`) waits in the proxy: they stay unadmitted while the broadcasts go.
    tcpProxy.holdOnReply = ["toServer"];
    wsProxy.holdOnReply = ["toServer"];
    const wsUrl = server.websocketAddress!.url;

    const raw: Record<string, RecordingPeer> = {
      "raw TCP, never sends": await connectRaw(server.address.port),
      "raw WebSocket, never sends": await connectRawWs(wsUrl),
      "raw TCP, sends application frames only": await connectRaw(server.address.port),
      "raw WebSocket, sends application frames only": await connectRawWs(wsUrl),
    };
    const ours: Record<string, RecordingListener> = { "ours over TCP": listener(), "ours over WebSocket": listener() };
    await ours["ours over TCP"]!.connect("127.0.0.1", tcpProxy.port);
    const proxied = new URL(wsUrl);
    proxied.port = String(wsProxy.port);
    await ours["ours over WebSocket"]!.connect(proxied.href);

    for (const peer of Object.values(raw)) await peer.waitFor(1, "the greeting");
    for (const client of Object.values(ours)) await client.waitFor("connected");
    await waitFor(
      () => tcpProxy.connections[0]!.heldBytes("toServer") > 0 && wsProxy.connections[0]!.heldBytes("toServer") > 0,
      "the _hello of our clients, held",
    );
    const ids = [
      ...Object.values(raw).map((peer) => String(peer.received[0]!.id)),
      ...Object.values(ours).map((client) => String(client.of("connected")[0]!.id)),
    ];
    expect(Object.values(raw).map((peer) => peer.received[0]!.action)).toEqual(["connected", "connected", "connected", "connected"]);

    const send = (from: number, to: number): void => {
      for (let n = from; n < to; n++) {
        server.sendToAll({ action: "tick", n });
        server.sendToGroup("lobby", { action: "lobby", n });
        for (const id of ids) server.sendTo(id, { action: "direct", n });
      }
    };
    send(0, 100);
    (raw["raw TCP, sends application frames only"] as RawPeer).send({ action: "ready" });
    (raw["raw WebSocket, sends application frames only"] as RawWsPeer).send({ action: "ready" });
    tcpProxy.connections[0]!.release("toServer");
    wsProxy.connections[0]!.release("toServer");
    await waitFor(() => server.connected.length === 3 + 6, "every new peer admitted");
    send(100, 200);
    server.sendToAll({ action: "end" });

    const got: Record<string, ReadonlyArray<Record<string, unknown>>> = {};
    for (const [name, peer] of Object.entries(raw)) {
      await waitFor(() => peer.received.some((m) => m.action === "end"), `"end" at ${name}`);
      got[name] = peer.received;
    }
    for (const [name, client] of Object.entries(ours)) {
      await client.waitFor("end");
      got[name] = client.log;
    }
    const every = { tick: range(0, 200), lobby: range(0, 200), direct: range(0, 200) };
    const lists = Object.fromEntries(
      Object.entries(got).map(([name, messages]) => [
        name,
        { tick: numbers(messages, "tick"), lobby: numbers(messages, "lobby"), direct: numbers(messages, "direct") },
      ]),
    );
    expect(lists).toEqual(Object.fromEntries(Object.keys(got).map((name) => [name, every])));
    expect(
      server.connected
        .map((channel) => channel.id)
        .slice(3)
        .sort(),
    ).toEqual([...ids].sort());
  });

  it("a connection that resumes a suspended session drops what its provisional channel was sent: the session's own log resends it, once", async () => {
    const server = await startServer();
    await suspendSessions(server, 1);
    const proxy = await proxyTo(server.address.port);
    const client = listener();
    await client.connect("127.0.0.1", proxy.port);
    await client.waitFor("connected");
    await waitFor(() => server.connected.length === 2, "onConnect");
    const channel = server.connected[1]!;
    server.sendToAll({ action: "tick", n: 0 });
    await waitFor(() => client.of("tick").length === 1, "tick 0");

    // The client comes back on a connection whose first bytes (its `_resume`) wait in the proxy.
    proxy.holdNew = ["toServer"];
    proxy.connections[0]!.destroy();
    await waitFor(() => channel.hooks.includes("suspend"), "onSuspend");
    await waitFor(
      () => proxy.connections.length === 2 && proxy.connections[1]!.bytes.toClient > 0 && proxy.connections[1]!.heldBytes("toServer") > 0,
      "the greeting out, the _resume held",
    );
    for (let n = 1; n < 100; n++) server.sendToAll({ action: "tick", n });
    proxy.connections[1]!.release("toServer");
    await waitFor(() => channel.hooks.includes("resume"), "onResume");
    for (let n = 100; n < 150; n++) server.sendToAll({ action: "tick", n });
    server.sendToAll({ action: "end" });
    await client.waitFor("end");

    expect(client.of("tick").map((m) => m.n)).toEqual(range(0, 150));
    expect(client.of("connected")).toHaveLength(1);
    expect(channel.hooks).toEqual(["connect", "suspend", "resume"]);
    expect(server.connected).toHaveLength(2);
  });

  it("a silent peer whose unadmitted backlog passes maxRetainedBytes is admitted and still gets every broadcast, once, in order", async () => {
    const server = await startServer({ maxRetainedBytes: 4096 });
    await suspendSessions(server, 1);
    const peer = await connectRaw(server.address.port);
    await peer.waitFor(1, "the greeting");
    const text = "x".repeat(100);
    for (let n = 0; n < 200; n++) server.sendToAll({ action: "tick", n, text } as AnyMessage);
    await waitFor(() => server.connected.length === 2, "admitted");
    server.sendToAll({ action: "end" });
    await waitFor(() => peer.received.some((m) => m.action === "end"), '"end"');
    expect(numbers(peer.received, "tick")).toEqual(range(0, 200));
  });
});

describe("a real Python repod client that only listens (test/python/listen_peer.py)", () => {
  it("with a suspended session present, gets every broadcast made after its greeting, once, in order", async () => {
    const { spawn } = await import("node:child_process");
    const server = await startServer();
    await suspendSessions(server, 1);
    const python = spawn("/usr/bin/python3", ["test/python/listen_peer.py", String(server.address.port)], { stdio: ["ignore", "pipe", "pipe"] });
    cleanup.push(() => python.kill());
    let out = "";
    let err = "";
    python.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    python.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => python.on("exit", resolve));
    const lines = (): Array<{ action: string; n: unknown }> =>
      out
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line));
    await waitFor(() => lines().some((m) => m.action === "connected"), "the Python client's greeting");
    for (let n = 0; n < 100; n++) server.sendToAll({ action: "tick", n });
    await waitFor(() => server.connected.length === 2, "the Python client admitted");
    for (let n = 100; n < 200; n++) server.sendToAll({ action: "tick", n });
    server.sendToAll({ action: "end" });
    expect(await exited, err).toBe(0);
    expect(lines()[0]!.action).toBe("connected");
    expect(numbers(lines(), "tick")).toEqual(range(0, 200));
  });
});

describe("a client greeted but not yet admitted when the server stops", () => {
  it("gets what it was sent since its greeting, then the connection closes", async () => {
    const server = await startServer();
    await suspendSessions(server, 1);
    const peer = await connectRaw(server.address.port);
    const wsPeer = await connectRawWs(server.websocketAddress!.url);
    await peer.waitFor(1, "the greeting");
    await wsPeer.waitFor(1, "the greeting");
    for (let n = 0; n < 50; n++) server.sendToAll({ action: "tick", n });
    await server.stop();
    await peer.waitClosed();
    await wsPeer.waitClosed();
    expect(numbers(peer.received, "tick")).toEqual(range(0, 50));
    expect(numbers(wsPeer.received, "tick")).toEqual(range(0, 50));
  });
});
