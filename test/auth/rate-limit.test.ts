/**
 * Rate limits over real sockets (TCP and WebSocket), on a clock the test
 * moves: a flood is refused with RATE_LIMITED (said once per run), then
 * closed; per-action limits from the protocol file and from the options;
 * the byte budget.
 */
import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ChatRoom } from "../../examples/chat/server.ts";
import { type AnyMessage, Channel, type RepodError, Server, type ServerOptions } from "../../runtime/index.ts";
import { RecordingListener } from "../helpers/listener.ts";
import { ManualClock } from "../helpers/manual-clock.ts";
import { RawPeer } from "../helpers/raw-peer.ts";
import { RawWsPeer } from "../helpers/raw-ws-peer.ts";
import { waitFor } from "../helpers/wait.ts";

class CountingChannel extends Channel {
  readonly got: AnyMessage[] = [];
  networkReceived(data: AnyMessage): void {
    this.got.push(data);
    if (data.action === "ping") this.send({ action: "pong", i: data.i });
  }
}

class CountingServer extends Server<CountingChannel> {
  readonly errors: RepodError[] = [];
  override onError(error: RepodError): void {
    this.errors.push(error);
  }
}

const stops: Array<() => unknown> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function start(options: ServerOptions<CountingChannel>): Promise<CountingServer> {
  const server = new CountingServer({ channelClass: CountingChannel, port: 0, websocket: { port: 0 }, ...options });
  await server.start();
  stops.push(() => server.stop());
  return server;
}

function client(): RecordingListener {
  const c = new RecordingListener({ reconnectMinDelayMs: 5, reconnectMaxDelayMs: 40 }).loop(2);
  stops.push(() => {
    c.close();
    c.stop();
  });
  return c;
}

describe.each(["TCP", "WebSocket"] as const)("rate limits over %s", (kind) => {
  const connect = (c: RecordingListener, server: CountingServer): Promise<void> =>
    kind === "TCP" ? c.connect("127.0.0.1", server.address.port) : c.connect(server.websocketAddress!.url);

  it("refuses messages over budget with RATE_LIMITED, told once per run; refills with time; closes a client that keeps at it", async () => {
    const clock = new ManualClock();
    const server = await start({ clock, rateLimit: { messages: { perSecond: 10, burst: 5 }, closeAfter: 20 } });
    const c = client();
    await connect(c, server);
    await c.waitFor("connected");
    for (let i = 0; i < 8; i++) c.send({ action: "ping", i });
    await c.waitFor("error");
    await c.waitFor("pong", 5);
    const channel = [...server.channels][0]!;
    expect(channel.got.map((m) => m.i)).toEqual([0, 1, 2, 3, 4]);
    expect(c.of("error").map((e) => e.message)).toEqual([
      expect.stringMatching(/^"ping" is over the limit of 10 messages\/s \(burst 5\): not dispatched \(from 127\.0\.0\.1:\d+\)$/),
    ]);
    expect(c.of("error")[0]!.code).toBe("RATE_LIMITED");
    expect(server.errors.map((e) => e.code)).toEqual(["RATE_LIMITED"]);

    clock.advance(1000); // the bucket is full again (5)
    for (let i = 8; i < 13; i++) c.send({ action: "ping", i });
    await waitFor(() => channel.got.length === 10, "five more");
    // Accepted messages ended the run: a new refusal is told again. It pauses reading, so the
    // 40 sent in the same tick (one write, one read) are refused with it, unread: 41 > 20, closed.
    c.send({ action: "ping", i: 99 });
    for (let i = 0; i < 40; i++) c.send({ action: "ping", i: 100 + i });
    await c.waitFor("disconnected");
    expect(c.of("error")[1]!.message).toMatch(/^"ping" is over the limit of 10 messages\/s \(burst 5\): not dispatched/);
    expect(c.of("error").map((e) => e.code)).toEqual(["RATE_LIMITED", "RATE_LIMITED", "RATE_LIMITED"]);
    expect(c.of("error").at(-1)!.message).toMatch(/^"ping" is over the limit of 10 messages\/s \(burst 5\), and more than 20 messages were over it: closing/);
    expect(c.actions()).not.toContain("reconnecting");
    expect(channel.got).toHaveLength(10);
    await waitFor(() => server.channels.size === 0, "the channel released");
    expect(server.errors.map((e) => e.code)).toEqual(["RATE_LIMITED", "RATE_LIMITED", "RATE_LIMITED"]);
  });

  it("stops reading a client over budget (TCP flow control slows it) and reads it again once the bucket has room", async () => {
    const clock = new ManualClock();
    const server = await start({ clock, rateLimit: { messages: { perSecond: 10, burst: 5 }, closeAfter: Infinity } });
    const c = client();
    await connect(c, server);
    await c.waitFor("connected");
    for (let i = 0; i < 8; i++) c.send({ action: "ping", i });
    await c.waitFor("error");
    await c.waitFor("pong", 5);
    const channel = [...server.channels][0]!;
    const socket = serverSocketOf(channel);
    expect(socket.isPaused()).toBe(true); // 5 over budget: not read until one token is back (100 ms at 10/s)

    // More arrives at the server's socket but is not read: nothing dispatched, nothing refused.
    const before = socket.bytesRead;
    for (let i = 8; i < 13; i++) c.send({ action: "ping", i });
    await waitFor(() => socket.bytesRead > before, "the pings at the server's socket");
    expect(channel.got.map((m) => m.i)).toEqual([0, 1, 2, 3, 4]);

    clock.advance(99);
    expect(socket.isPaused()).toBe(true);
    clock.advance(1); // one token: 8 is read and taken, 9 is refused and pauses reading again, 10–12 are refused with it
    await c.waitFor("pong", 6);
    expect(channel.got.map((m) => m.i)).toEqual([0, 1, 2, 3, 4, 8]);
    expect(socket.isPaused()).toBe(true);
    expect(c.of("error")).toHaveLength(1); // still the same run: told once
    expect(server.errors.map((e) => e.code)).toEqual(["RATE_LIMITED"]);

    clock.advance(1000); // full again: reading resumes, and what comes is taken
    for (let i = 13; i < 18; i++) c.send({ action: "ping", i });
    await c.waitFor("pong", 11);
    expect(channel.got.map((m) => m.i)).toEqual([0, 1, 2, 3, 4, 8, 13, 14, 15, 16, 17]);
    expect(socket.isPaused()).toBe(false);
    expect(c.actions()).not.toContain("disconnected");
  });

  it("counts bytes beside messages", async () => {
    const clock = new ManualClock();
    const server = await start({ clock, rateLimit: { bytes: { perSecond: 1000, burst: 1000 } } });
    const c = client();
    await connect(c, server);
    await c.waitFor("connected");
    for (let i = 0; i < 3; i++) c.send({ action: "ping", i, pad: "x".repeat(400) });
    await c.waitFor("error");
    await c.waitFor("pong", 2);
    expect(c.of("error")[0]!.message).toMatch(/^"ping" is over the byte budget of 1000 bytes\/s \(burst 1000\): not dispatched/);
    expect([...server.channels][0]!.got.map((m) => m.i)).toEqual([0, 1]);
  });
});

/** The server's own socket under a channel (the `ws` WebSocket's socket over WebSocket). */
function serverSocketOf(channel: CountingChannel): Socket {
  const transport = channel.link.transport as unknown as { socket: Socket & { _socket?: Socket } };
  return transport.socket._socket ?? transport.socket;
}

describe("per-action limits", () => {
  it("from the protocol file (@rateLimit 10/s burst 20 on the chat's message), told to a Python-style peer as an error message", async () => {
    const clock = new ManualClock();
    const room = new ChatRoom({ port: 0, clock });
    await room.start();
    stops.push(() => room.stop());
    const peer = await RawPeer.connect(room.address.port);
    stops.push(() => peer.close());
    await peer.waitFor(1, "the greeting");
    peer.send({ action: "nickname", nickname: "ada" });
    for (let i = 0; i < 25; i++) peer.send({ action: "message", text: `line ${i}` });
    await waitFor(() => peer.received.some((m) => m.action === "error"), "the refusal");
    await waitFor(() => peer.received.filter((m) => m.action === "message").length === 20, "20 lines");
    expect(peer.received.filter((m) => m.action === "error")).toEqual([
      { action: "error", code: "RATE_LIMITED", message: '"message" is over its limit of 10 messages/s (burst 20): not dispatched' },
    ]);
    expect(peer.closed).toBe(false);
  });

  it("from the server's options, over the protocol file's", async () => {
    const clock = new ManualClock();
    const room = new ChatRoom({ port: 0, websocket: { port: 0 }, clock, rateLimit: { actions: { message: { perSecond: 1, burst: 2 } } } });
    await room.start();
    stops.push(() => room.stop());
    const peer = await RawWsPeer.connect(room.websocketAddress!.url);
    stops.push(() => peer.close());
    await waitFor(() => peer.received.length === 1, "the greeting");
    peer.send({ action: "nickname", nickname: "bob" });
    for (let i = 0; i < 5; i++) peer.send({ action: "message", text: `line ${i}` });
    await waitFor(() => peer.received.some((m) => m.action === "error"), "the refusal");
    await waitFor(() => peer.received.filter((m) => m.action === "message").length === 2, "2 lines");
    expect(peer.received.find((m) => m.action === "error")!.message).toBe('"message" is over its limit of 1 messages/s (burst 2): not dispatched');
  });
});
