import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type AnyMessage, Channel, Server } from "../../runtime/index.ts";
import { RecordingListener } from "../helpers/listener.ts";
import { RawPeer } from "../helpers/raw-peer.ts";
import { waitFor } from "../helpers/wait.ts";

class EchoChannel extends Channel {
  Network_echo(data: AnyMessage): void {
    this.send(data);
  }
  Network_burst(data: AnyMessage): void {
    const count = Number(data.count);
    for (let i = 0; i < count; i++) this.send({ action: "item", i });
    if (data.thenClose) this.close();
  }
}

class TestServer extends Server<EchoChannel> {
  readonly connected: EchoChannel[] = [];
  readonly disconnected: EchoChannel[] = [];
  override onConnect(channel: EchoChannel): void {
    this.connected.push(channel);
  }
  override onDisconnect(channel: EchoChannel): void {
    this.disconnected.push(channel);
  }
}

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function startServer(): Promise<TestServer> {
  const server = new TestServer({ channelClass: EchoChannel, port: 0 });
  await server.start();
  cleanup.push(() => server.stop());
  return server;
}

function listener(): RecordingListener {
  const l = new RecordingListener().loop();
  cleanup.push(() => {
    l.close();
    l.stop();
  });
  return l;
}

describe("server and client over TCP", () => {
  it("greets first, then echoes a round trip; events come in repod's order, connected exactly once", async () => {
    const server = await startServer();
    const client = listener();
    await client.connect("127.0.0.1", server.address.port);
    await client.waitFor("connected");
    client.send({ action: "echo", text: "hello", n: 42 });
    await client.waitFor("echo");
    expect(client.actions()).toEqual(["socketConnect", "connected", "echo"]);
    expect(client.of("echo")[0]).toEqual({ action: "echo", text: "hello", n: 42 });
    expect(server.connected).toHaveLength(1);
    expect(server.address.port).toBeGreaterThan(0);
  });

  it("sends the greeting {action: connected} as the very first frame to a raw peer", async () => {
    const server = await startServer();
    const peer = await RawPeer.connect(server.address.port);
    cleanup.push(() => peer.close());
    await peer.waitFor(1);
    expect(peer.received[0]!.action).toBe("connected");
  });

  it("delivers sendToAll to 20 clients, each message exactly once and in order", async () => {
    const server = await startServer();
    const clients = Array.from({ length: 20 }, () => listener());
    await Promise.all(clients.map((c) => c.connect("127.0.0.1", server.address.port)));
    await waitFor(() => server.channels.size === 20, "20 channels");
    for (let i = 0; i < 50; i++) server.sendToAll({ action: "tick", i });
    for (const c of clients) await c.waitFor("tick", 50);
    for (const c of clients) expect(c.of("tick").map((m) => m.i)).toEqual([...Array(50).keys()]);
  });

  it("calls onDisconnect when a client closes", async () => {
    const server = await startServer();
    const client = listener();
    await client.connect("127.0.0.1", server.address.port);
    await client.waitFor("connected");
    client.close();
    await waitFor(() => server.disconnected.length === 1, "onDisconnect");
    expect(server.channels.size).toBe(0);
    await client.waitFor("disconnected");
  });

  it("gives every client `disconnected` when the server stops", async () => {
    const server = new TestServer({ channelClass: EchoChannel, port: 0 });
    await server.start();
    const clients = [listener(), listener(), listener()];
    await Promise.all(clients.map((c) => c.connect("127.0.0.1", server.address.port)));
    for (const c of clients) await c.waitFor("connected");
    await server.stop();
    for (const c of clients) await c.waitFor("disconnected");
    expect(server.disconnected).toHaveLength(3);
  });

  it("reports `error` then `disconnected` when connecting to a closed port with reconnect off", async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const client = new RecordingListener({ reconnect: false }).loop();
    cleanup.push(() => {
      client.close();
      client.stop();
    });
    await client.connect("127.0.0.1", port);
    await client.waitFor("disconnected");
    expect(client.actions()).toEqual(["error", "disconnected"]);
    expect(client.of("error")[0]!.code).toBe("CONNECT_FAILED");
    expect(String(client.of("error")[0]!.message)).toContain("ECONNREFUSED");
  });

  it("delivers all 1,000 messages a client sends right before close()", async () => {
    const got: number[] = [];
    class Counting extends Channel {
      Network_n(data: AnyMessage): void {
        got.push(Number(data.i));
      }
    }
    const server = new Server({ channelClass: Counting, port: 0 });
    await server.start();
    cleanup.push(() => server.stop());
    const client = listener();
    await client.connect("127.0.0.1", server.address.port);
    for (let i = 0; i < 1000; i++) client.send({ action: "n", i });
    client.close();
    await waitFor(() => got.length === 1000, "1000 messages");
    expect(got).toEqual([...Array(1000).keys()]);
  });

  it("delivers all 1,000 messages a channel sends right before close()", async () => {
    const server = await startServer();
    const client = listener();
    await client.connect("127.0.0.1", server.address.port);
    await client.waitFor("connected");
    client.send({ action: "burst", count: 1000, thenClose: true });
    await client.waitFor("disconnected");
    expect(client.of("item").map((m) => m.i)).toEqual([...Array(1000).keys()]);
  });

  it("sends frames written in one tick in one write", async () => {
    const server = await startServer();
    const peer = await RawPeer.connect(server.address.port);
    cleanup.push(() => peer.close());
    await peer.waitFor(1);
    // Count the server's writes to sockets, not the peer's reads: how the kernel splits a stream into reads
    // depends on the machine's load, how many writes the server makes does not.
    const serverWrites: number[] = [];
    const write = net.Socket.prototype.write;
    net.Socket.prototype.write = function (this: net.Socket, ...args: unknown[]) {
      if (this.localPort === server.address.port) serverWrites.push((args[0] as Uint8Array).length);
      return (write as (...a: unknown[]) => boolean).apply(this, args);
    } as typeof write;
    cleanup.push(() => (net.Socket.prototype.write = write));
    peer.send({ action: "burst", count: 200 });
    await peer.waitFor(201);
    net.Socket.prototype.write = write;
    expect(serverWrites).toHaveLength(1);
    expect(serverWrites[0]).toBeGreaterThan(200 * 10);
  });

  it("queues sends made before the connection is open and sends them first", async () => {
    const server = await startServer();
    const client = listener();
    client.send({ action: "echo", early: true });
    await client.connect("127.0.0.1", server.address.port);
    await client.waitFor("echo");
    expect(client.of("echo")[0]).toEqual({ action: "echo", early: true });
  });

  it("pump() dispatches nothing until called, then everything in order", async () => {
    const server = await startServer();
    const client = new RecordingListener();
    cleanup.push(() => client.close());
    await client.connect("127.0.0.1", server.address.port);
    client.send({ action: "burst", count: 10 });
    await waitFor(() => client.connection.pending >= 12, "12 queued");
    expect(client.log).toHaveLength(0);
    expect(client.pump()).toBeGreaterThanOrEqual(12);
    expect(client.actions().slice(0, 2)).toEqual(["socketConnect", "connected"]);
    expect(client.of("item").map((m) => m.i)).toEqual([...Array(10).keys()]);
  });

  it("enables TCP_NODELAY on both sides", async () => {
    // Node exposes no getter, and timing round trips against Nagle's ~40 ms depends on the machine's load:
    // record which sockets had it turned on instead.
    const noDelay = new Set<net.Socket>();
    const setNoDelay = net.Socket.prototype.setNoDelay;
    net.Socket.prototype.setNoDelay = function (this: net.Socket, on?: boolean) {
      if (on !== false) noDelay.add(this);
      return setNoDelay.call(this, on);
    };
    cleanup.push(() => (net.Socket.prototype.setNoDelay = setNoDelay));
    const server = await startServer();
    const client = listener();
    await client.connect("127.0.0.1", server.address.port);
    await client.waitFor("connected");
    client.send({ action: "echo", i: 0 });
    await client.waitFor("echo");
    const port = server.address.port;
    expect([...noDelay].filter((socket) => socket.localPort === port)).toHaveLength(1); // the server's side
    expect([...noDelay].filter((socket) => socket.remotePort === port)).toHaveLength(1); // the client's side
  });
});
