import { createServer, type Server as HttpServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket as WsWebSocket } from "ws";
import { type AnyMessage, Channel, Server, type ServerOptions, type TransportEvents } from "../../runtime/index.ts";
import { connectWebSocket, type WebSocketLike } from "../../runtime/transport/websocket.ts";
import { listenWebSocket } from "../../runtime/transport/websocket-server.ts";
import { RecordingListener } from "../helpers/listener.ts";
import { RawWsPeer } from "../helpers/raw-ws-peer.ts";
import { plain } from "../helpers/vectors.ts";
import { waitFor } from "../helpers/wait.ts";

/** Echoes `echo`, relays `say` to everyone, answers `burst` with `count` items (then closes if asked). */
class RelayChannel extends Channel {
  Network_echo(data: AnyMessage): void {
    this.send(data);
  }
  Network_say(data: AnyMessage): void {
    this.server.sendToAll({ action: "said", text: data.text, via: this.link.transport?.kind } as AnyMessage);
  }
  Network_burst(data: AnyMessage): void {
    const pad = "x".repeat(Number(data.padBytes ?? 0));
    for (let i = 0; i < Number(data.count); i++) this.send({ action: "item", i, pad });
    if (data.thenClose) this.close();
  }
}

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function startServer(options: ServerOptions<RelayChannel> = {}): Promise<Server<RelayChannel>> {
  const server = new Server({ channelClass: RelayChannel, port: 0, websocket: { port: 0 }, ...options });
  await server.start();
  cleanup.push(() => server.stop());
  return server;
}

function listener(options?: ConstructorParameters<typeof RecordingListener>[0]): RecordingListener {
  const l = new RecordingListener(options).loop();
  cleanup.push(() => {
    l.close();
    l.stop();
  });
  return l;
}

describe("WebSocket transport", () => {
  it("greets first (the greeting that comes with the handshake's answer is not lost), then echoes; events in repod's order", async () => {
    const server = await startServer();
    const client = listener();
    await client.connect(server.websocketAddress!.url);
    await client.waitFor("connected");
    client.send({ action: "echo", text: "hello", n: 42, bytes: new Uint8Array([1, 2, 3]) });
    await client.waitFor("echo");
    expect(client.actions()).toEqual(["socketConnect", "connected", "echo"]);
    expect(plain(client.of("echo")[0])).toEqual({ action: "echo", text: "hello", n: 42, bytes: new Uint8Array([1, 2, 3]) });
    expect(client.of("connected")[0]!.id).toBe([...server.channels][0]!.id);
    expect([...server.channels][0]!.link.transport!.kind).toBe("websocket");
  });

  it("a TCP client and a WebSocket client on one server see each other's messages", async () => {
    const server = await startServer();
    const tcp = listener();
    const ws = listener();
    await tcp.connect("127.0.0.1", server.address.port);
    await ws.connect(server.websocketAddress!.url);
    await tcp.waitFor("connected");
    await ws.waitFor("connected");
    expect(server.channels.size).toBe(2);
    tcp.send({ action: "say", text: "from tcp" });
    await ws.waitFor("said");
    ws.send({ action: "say", text: "from ws" });
    await tcp.waitFor("said", 2);
    await ws.waitFor("said", 2);
    for (const client of [tcp, ws]) {
      expect(client.of("said").map((m) => [m.text, m.via])).toEqual([
        ["from tcp", "tcp"],
        ["from ws", "websocket"],
      ]);
    }
    expect(new Set([...server.channels].map((c) => c.link.transport!.kind))).toEqual(new Set(["tcp", "websocket"]));
  });

  it("delivers sendToAll to 20 WebSocket clients, each message exactly once and in order", async () => {
    const server = await startServer();
    const clients = Array.from({ length: 20 }, () => listener());
    await Promise.all(clients.map((c) => c.connect(server.websocketAddress!.url)));
    await waitFor(() => server.channels.size === 20, "20 channels");
    for (const c of clients) await c.waitFor("connected");
    for (let i = 0; i < 50; i++) server.sendToAll({ action: "tick", i });
    for (const c of clients) await c.waitFor("tick", 50);
    for (const c of clients) expect(c.of("tick").map((m) => m.i)).toEqual([...Array(50).keys()]);
  });

  it("close() flushes what was sent before it, then the client sees disconnected", async () => {
    const server = await startServer();
    const client = listener();
    await client.connect(server.websocketAddress!.url);
    await client.waitFor("connected");
    client.send({ action: "burst", count: 500, padBytes: 200, thenClose: true });
    await client.waitFor("disconnected");
    expect(client.of("item").map((m) => m.i)).toEqual([...Array(500).keys()]);
    expect(client.of("error")).toEqual([]);
    await waitFor(() => server.channels.size === 0, "the channel released");
  });

  it("listens on WebSocket only with tcp: false, on the server's own port", async () => {
    const server = new Server({ channelClass: RelayChannel, port: 0, tcp: false, websocket: {} });
    await server.start();
    cleanup.push(() => server.stop());
    expect(server.address.port).toBe(server.websocketAddress!.port);
    const client = listener();
    await client.connect(`ws://127.0.0.1:${server.address.port}`);
    client.send({ action: "echo", ok: true });
    await client.waitFor("echo");
  });

  it("shares an HTTP server of yours: pages on it, the game on its path, other upgrades refused", async () => {
    const http = createServer((_req, res) => res.end("<h1>game</h1>"));
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    cleanup.push(() => new Promise((resolve) => http.close(resolve)));
    const port = (http.address() as AddressInfo).port;
    const server = await startServer({ tcp: false, websocket: { server: http, path: "/ws" } });
    expect(server.websocketAddress!.url).toBe(`ws://127.0.0.1:${port}/ws`);
    expect(await get(http, "/")).toBe("<h1>game</h1>");
    const client = listener();
    await client.connect(`ws://127.0.0.1:${port}/ws?room=1`);
    client.send({ action: "echo", ok: true });
    await client.waitFor("echo");
    const lost = listener({ connectTimeoutMs: 2000, reconnect: false });
    await lost.connect(`ws://127.0.0.1:${port}/elsewhere`);
    await lost.waitFor("disconnected");
    expect(lost.of("error")[0]!.code).toBe("CONNECT_FAILED");
    expect(server.channels.size).toBe(1);
    await server.stop();
    expect(await get(http, "/")).toBe("<h1>game</h1>"); // your server lives on
  });

  it("a refused connection is an error event then disconnected (reconnect off), never a rejection", async () => {
    const server = await startServer();
    const url = server.websocketAddress!.url;
    await server.stop();
    const client = listener({ reconnect: false });
    await client.connect(url);
    await client.waitFor("disconnected");
    expect(client.actions()).toEqual(["error", "disconnected"]);
    expect(client.of("error")[0]!.code).toBe("CONNECT_FAILED");
  });

  it("a client refuses a message over its maxFrameBytes with FRAME_TOO_LARGE and closes", async () => {
    const server = await startServer();
    const client = listener({ maxFrameBytes: 1000 });
    await client.connect(server.websocketAddress!.url);
    await client.waitFor("connected");
    client.send({ action: "burst", count: 1, padBytes: 2000 });
    await client.waitFor("disconnected");
    expect(client.of("error").map((e) => e.code)).toEqual(["FRAME_TOO_LARGE"]);
    expect(client.of("item")).toEqual([]);
  });

  it("sends native WebSocket pings; the peer's pong arrives as the transport's pong event", async () => {
    const accepted: Array<{ ping?: () => void; bind(events: TransportEvents): void }> = [];
    const acceptor = await listenWebSocket({ host: "127.0.0.1", port: 0 }, 1024, (t) => accepted.push(t));
    cleanup.push(() => acceptor.close());
    const peer = await RawWsPeer.connect(acceptor.url); // a bare `ws` peer: its WebSocket layer answers pings
    cleanup.push(() => peer.close());
    await waitFor(() => accepted.length === 1, "the connection accepted");
    let pongs = 0;
    const transport = accepted[0]!;
    transport.bind({ payload: () => {}, error: () => {}, closed: () => {}, pong: () => pongs++ });
    expect(typeof transport.ping).toBe("function");
    for (let i = 0; i < 3; i++) transport.ping!();
    await waitFor(() => pongs === 3, "three pongs");
  });

  it("the portable transport (what a browser runs: no maxPayload, no ping) refuses an oversize message itself", async () => {
    const sent: Array<{ write(frame: Uint8Array): void }> = [];
    const acceptor = await listenWebSocket({ host: "127.0.0.1", port: 0 }, 1 << 20, (t) => sent.push(t));
    cleanup.push(() => acceptor.close());
    // The standard WebSocket API only, as in a browser: `ws` driven through addEventListener, nothing native.
    const browserLike = (url: string) => {
      const socket = new WsWebSocket(url);
      socket.binaryType = "arraybuffer";
      return { socket: socket as unknown as WebSocketLike };
    };
    const transport = await connectWebSocket(acceptor.url, browserLike, 1000, 2000);
    expect(transport.ping).toBeUndefined();
    const events: string[] = [];
    transport.bind({
      payload: (_source, start, end) => events.push(`payload ${end - start}`),
      problem: (e) => events.push(e.code),
      error: (e) => events.push(e.code),
      closed: () => events.push("close"),
    });
    await waitFor(() => sent.length === 1, "the connection accepted");
    const frame = (bytes: number): Uint8Array => {
      const f = new Uint8Array(4 + bytes);
      new DataView(f.buffer).setUint32(0, bytes);
      return f;
    };
    sent[0]!.write(frame(1000));
    sent[0]!.write(frame(1001));
    await waitFor(() => events.includes("close"), "the connection to close");
    expect(events).toEqual(["payload 1000", "FRAME_TOO_LARGE", "close"]);
  });
});

function get(http: HttpServer, path: string): Promise<string> {
  const { port } = http.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, path }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve(body));
    })
      .on("error", reject)
      .end();
  });
}
