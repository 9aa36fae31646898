/**
 * A connection that breaks or stalls while it is being set up: before,
 * inside and right after the server's greeting, before and after the
 * client's `_hello`, over TCP and WebSocket. Each is a failed attempt that
 * the client reports and retries (or, once greeted, a break it resumes), and
 * what the game sent meanwhile arrives once, in order.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type AnyMessage, type ClientOptions, isRepodError } from "../../runtime/index.ts";
import { type Fault, FaultProxy } from "../helpers/fault-proxy.ts";
import { RecordingListener } from "../helpers/listener.ts";
import { ManualClock } from "../helpers/manual-clock.ts";
import { waitFor } from "../helpers/wait.ts";
import { cleanup, listener, type RecordingServer, runCleanup, startServer } from "./fixtures.ts";

afterEach(runCleanup);

type Kind = "tcp" | "websocket";

async function serverAndProxy(kind: Kind, faults: Array<Fault | undefined>): Promise<{ server: RecordingServer; proxy: FaultProxy; url: string }> {
  const server = await startServer(kind === "websocket" ? { tcp: false, websocket: { port: 0, path: "/ws" } } : {});
  const target = kind === "websocket" ? server.websocketAddress!.port : server.address.port;
  const proxy = await FaultProxy.start(target, faults);
  cleanup.push(() => proxy.close());
  const url = kind === "websocket" ? `ws://127.0.0.1:${proxy.port}/ws` : "127.0.0.1";
  return { server, proxy, url };
}

/** Where the handshake's steps end, in bytes through the proxy, learnt from one clean connection. */
interface Handshake {
  /** Bytes to the client before the greeting: the WebSocket upgrade answer (0 over TCP). */
  answer: number;
  /** Bytes of the greeting itself. */
  greeting: number;
  /** Bytes to the server before `_hello`: the WebSocket upgrade request (0 over TCP). */
  request: number;
  /** Bytes of `_hello`. */
  hello: number;
}

const HTTP_END = Buffer.from("\r\n\r\n");

async function measure(kind: Kind): Promise<Handshake> {
  const { proxy, url } = await serverAndProxy(kind, []);
  const client = listener();
  await client.connect(url, proxy.port);
  await client.waitFor("connected");
  const connection = proxy.connections[0]!;
  const request = kind === "websocket" ? connection.head.toServer.indexOf(HTTP_END) + 4 : 0;
  await waitFor(() => connection.bytes.toServer > request, "_hello");
  const answer = kind === "websocket" ? connection.head.toClient.indexOf(HTTP_END) + 4 : 0;
  const handshake = { answer, greeting: connection.bytes.toClient - answer, request, hello: connection.bytes.toServer - request };
  expect(handshake.greeting).toBeGreaterThan(20);
  expect(handshake.hello).toBeGreaterThan(10);
  client.close();
  return handshake;
}

/** Notes 0–4 sent before connect(), 5–9 once connected, then an echo: the server's channels together got 0–9 once, in order. */
async function converse(
  kind: Kind,
  fault: Fault,
  options: ClientOptions = {},
): Promise<{ client: ReturnType<typeof listener>; server: RecordingServer; proxy: FaultProxy }> {
  const { server, proxy, url } = await serverAndProxy(kind, [fault]);
  const client = listener({ reconnectAttempts: 50, ...options });
  for (let i = 0; i < 5; i++) expect(client.send({ action: "note", i })).toBeGreaterThan(0);
  await client.connect(url, proxy.port);
  await client.waitFor("connected", 1, 10_000);
  for (let i = 5; i < 10; i++) expect(client.send({ action: "note", i })).toBeGreaterThan(0);
  client.send({ action: "echo", last: true });
  try {
    await client.waitFor("echo", 1, 10_000);
  } catch (error) {
    const events = client.log.map((m) => (m.action === "error" || m.action === "reconnecting" ? `${m.action} ${m.code} ${m.message}` : m.action));
    throw new Error(`${(error as Error).message}; client events: ${events.join(", ")}`);
  }
  const got = server.connected.flatMap((channel) => channel.got.map((m) => m.i));
  expect(got).toEqual([...Array(10).keys()]);
  expect(proxy.faulted).toBe(1);
  expect(client.of("connected")).toHaveLength(1);
  expect(client.of("connected")[0]!.resumed).toBeUndefined();
  expect(client.of("error")).toEqual([]);
  expect(client.of("disconnected")).toEqual([]);
  expect(client.connection.isConnected).toBe(true);
  return { client, server, proxy };
}

for (const kind of ["tcp", "websocket"] as const) {
  describe(`a connection cut during the handshake (${kind})`, () => {
    let at: Handshake;
    const cuts: Array<[string, () => Fault, "retried" | "resumed"]> = [
      ["before any byte of the greeting", () => ({ kind: "cut", direction: "toClient", afterBytes: at.answer }), "retried"],
      ["after the greeting's first byte", () => ({ kind: "cut", direction: "toClient", afterBytes: at.answer + 1 }), "retried"],
      ["one byte short of the whole greeting", () => ({ kind: "cut", direction: "toClient", afterBytes: at.answer + at.greeting - 1 }), "retried"],
      ["right after the greeting", () => ({ kind: "cut", direction: "toClient", afterBytes: at.answer + at.greeting }), "resumed"],
      ["before the client's _hello", () => ({ kind: "cut", direction: "toServer", afterBytes: at.request, past: true }), "resumed"],
      ["after the client's _hello", () => ({ kind: "cut", direction: "toServer", afterBytes: at.request + at.hello }), "resumed"],
    ];
    if (kind === "websocket") {
      cuts.unshift(
        ["inside the upgrade request", () => ({ kind: "cut", direction: "toServer", afterBytes: 10 }), "retried"],
        ["inside the upgrade answer", () => ({ kind: "cut", direction: "toClient", afterBytes: 10 }), "retried"],
      );
    }

    it("learns where the greeting and _hello end", async () => {
      at = await measure(kind);
    });

    for (const [where, fault, outcome] of cuts) {
      it(`${where}: ${outcome === "retried" ? "a failed attempt, reported and retried" : "the session resumes"}; every message arrives once, in order`, async () => {
        const { client } = await converse(kind, fault());
        const reconnecting = client.of("reconnecting");
        expect(reconnecting.length).toBeGreaterThanOrEqual(1);
        expect(reconnecting[0]).toMatchObject({ attempt: 1, code: "CONNECT_FAILED" });
        const beforeConnected = client.actions().slice(0, client.actions().indexOf("connected"));
        expect(beforeConnected.filter((a) => a === "socketConnect")).toHaveLength(1);
        if (outcome === "retried") {
          expect(beforeConnected).toContain("reconnecting");
          expect(client.of("reconnected")).toEqual([]);
        } else {
          expect(client.actions().slice(0, 3)).toEqual(["socketConnect", "connected", "reconnecting"]);
          expect(client.of("reconnected")).toHaveLength(1);
        }
      });
    }
  });

  describe(`a connection that stalls during the handshake (${kind})`, () => {
    let at: Handshake;
    it("learns where the greeting ends", async () => {
      at = await measure(kind);
    });

    for (const [where, offset] of [
      ["before any byte of the greeting", () => at.answer],
      ["inside the greeting", () => at.answer + 1],
    ] as const) {
      it(`${where}: no greeting within connectTimeoutMs is a failed attempt, retried`, async () => {
        const clock = new ManualClock();
        const { server, proxy, url } = await serverAndProxy(kind, [{ kind: "stall", direction: "toClient", afterBytes: offset() }]);
        const client = listener({ clock });
        client.send({ action: "note", i: 0 });
        await client.connect(url, proxy.port);
        // The only timer of a first attempt is the greeting's deadline.
        await waitFor(() => proxy.faulted === 1 && clock.pending === 1, "the stall, and the greeting's deadline");
        expect(clock.nextIn).toBe(5000);
        await client.waitFor("socketConnect");
        clock.advance(4999);
        expect(clock.pending).toBe(1); // not yet
        clock.advance(1);
        expect(clock.pending).toBe(0);
        await client.waitFor("reconnecting");
        expect(client.of("reconnecting")[0]).toMatchObject({
          attempt: 1,
          code: "CONNECT_FAILED",
          message: `no greeting from the server within 5000 ms (from 127.0.0.1:${proxy.port})`,
        });
        clock.advance(40); // the backoff (reconnectMaxDelayMs of these clients)
        await client.waitFor("connected");
        client.send({ action: "note", i: 1 });
        client.send({ action: "echo" });
        await client.waitFor("echo");
        expect(server.connected.flatMap((channel) => channel.got.map((m) => m.i))).toEqual([0, 1]);
        expect(client.actions()).toEqual(["socketConnect", "reconnecting", "connected", "echo"]);
      });
    }
  });
}

describe("a first connection that fails", () => {
  it("is retried with backoff like a reconnection; when the attempts run out: error, disconnected, and send() throws CLOSED", async () => {
    const { server, proxy } = await serverAndProxy("tcp", []);
    const port = proxy.port;
    await proxy.close();
    await server.stop();
    const client = listener({ reconnectAttempts: 2 });
    client.send({ action: "note", i: 0 });
    await client.connect("127.0.0.1", port);
    await client.waitFor("disconnected");
    expect(client.actions()).toEqual(["reconnecting", "reconnecting", "error", "disconnected"]);
    expect(client.of("reconnecting").map((m) => [m.attempt, m.code])).toEqual([
      [1, "CONNECT_FAILED"],
      [2, "CONNECT_FAILED"],
    ]);
    const error = client.of("error")[0]!;
    expect(error.code).toBe("CONNECT_FAILED");
    expect(error.message).toBe(
      `gave up reconnecting after 2 attempts; the last: could not connect to 127.0.0.1:${port}: ECONNREFUSED; 1 message sent meanwhile was not delivered`,
    );
    expect(client.connection.state).toBe("closed");
    let thrown: unknown;
    try {
      client.send({ action: "note", i: 1 });
    } catch (caught) {
      thrown = caught;
    }
    expect(isRepodError(thrown, "CLOSED")).toBe(true);
    expect((thrown as Error).message).toBe(`cannot send "note": the connection has ended (${error.message}); connect() again to start a new one`);
  });

  it("keeps what the game sends meanwhile within maxBufferedBytes; past it, send() throws QUEUE_FULL", async () => {
    const { server, proxy } = await serverAndProxy("tcp", []);
    const port = proxy.port;
    await proxy.close();
    await server.stop();
    const client = listener({ maxBufferedBytes: 100, reconnectAttempts: 50 });
    await client.connect("127.0.0.1", port);
    await client.waitFor("reconnecting");
    const frame = client.send({ action: "note", text: "x".repeat(20) });
    let accepted = frame;
    while (accepted + frame <= 100) accepted += client.send({ action: "note", text: "x".repeat(20) });
    expect(() => client.send({ action: "note", text: "x".repeat(20) })).toThrow(
      `${accepted} bytes already wait for the connection to come back; maxBufferedBytes is 100`,
    );
  });

  it("with reconnect off: error, then disconnected, at once", async () => {
    const { server, proxy } = await serverAndProxy("tcp", [{ kind: "cut", direction: "toClient", afterBytes: 0 }]);
    const client = listener({ reconnect: false });
    await client.connect("127.0.0.1", proxy.port);
    await client.waitFor("disconnected");
    expect(client.actions()).toEqual(["socketConnect", "error", "disconnected"]);
    expect(client.of("error")[0]).toMatchObject({
      code: "CONNECT_FAILED",
      message: `the connection closed before the server's greeting arrived (from 127.0.0.1:${proxy.port})`,
    });
    expect(() => client.send({ action: "note" })).toThrow(/^cannot send "note": the connection has ended/);
    await server.stop();
  });
});

describe("a client closed for good", () => {
  it("throws CLOSED from send() once the server ended the connection; after the game's own close(), send() returns 0", async () => {
    const server = await startServer();
    const ended = listener();
    const closed = listener();
    for (const client of [ended, closed]) {
      await client.connect("127.0.0.1", server.address.port);
      await client.waitFor("connected");
    }
    closed.close();
    await closed.waitFor("disconnected");
    expect(closed.send({ action: "note" } as AnyMessage)).toBe(0);
    await server.stop();
    await ended.waitFor("disconnected");
    expect(ended.actions()).toEqual(["socketConnect", "connected", "disconnected"]);
    expect(() => ended.send({ action: "note" })).toThrow(
      'cannot send "note": the connection has ended (the server closed the connection); connect() again to start a new one',
    );
  });

  it("throws only once pump() has handed the game its disconnected: until then send() returns 0", async () => {
    const server = await startServer();
    const client = new RecordingListener();
    cleanup.push(() => client.close());
    await client.connect("127.0.0.1", server.address.port);
    await waitFor(() => client.connection.isConnected, "connected");
    await server.stop();
    await waitFor(() => client.connection.state === "closed", "the end");
    expect(client.send({ action: "note" })).toBe(0);
    client.pump();
    expect(client.actions()).toEqual(["socketConnect", "connected", "disconnected"]);
    expect(() => client.send({ action: "note" })).toThrow(/^cannot send "note": the connection has ended/);
  });
});

describe("a network blip while clients connect", () => {
  it("every client, whether greeted or still in its handshake when all connections are cut, ends up connected once; every message arrives once, in order", async () => {
    const { server, proxy } = await serverAndProxy("tcp", []);
    const clients = Array.from({ length: 40 }, () => listener({ reconnectAttempts: 50 }));
    clients.forEach((client, k) => client.send({ action: "note", k, i: 0 }));
    await Promise.all(clients.map((client) => client.connect("127.0.0.1", proxy.port)));
    // Cut as soon as some, not all, have their greeting: the others are somewhere in their handshake.
    await waitFor(() => clients.some((client) => client.connection.isConnected), "a first greeting");
    proxy.cutAll();
    clients.forEach((client, k) => client.send({ action: "note", k, i: 1 }));
    for (const client of clients) await client.waitFor("connected", 1, 20_000);
    clients.forEach((client, k) => {
      client.send({ action: "note", k, i: 2 });
      client.send({ action: "echo", k });
    });
    for (const client of clients) await client.waitFor("echo", 1, 20_000);
    const got = server.connected.flatMap((channel) => channel.got);
    clients.forEach((client, k) => {
      expect(got.filter((m) => m.k === k).map((m) => m.i)).toEqual([0, 1, 2]);
      expect(client.of("connected")).toHaveLength(1);
      expect(client.of("disconnected")).toEqual([]);
      expect(client.of("error")).toEqual([]);
    });
  });
});
