/**
 * Authentication before onConnect, over real sockets (TCP and WebSocket):
 * accepted, refused, invalid, slow and missing credentials, a resume that
 * keeps its identity, Python-style peers whose first message is their
 * credential, and a credential that never reaches a log or an error.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type AnyMessage, type AuthInfo, Channel, type LogEvent, type RepodError, refuse, Server, type ServerOptions } from "../../runtime/index.ts";
import { RecordingListener } from "../helpers/listener.ts";
import { ManualClock } from "../helpers/manual-clock.ts";
import { RawPeer } from "../helpers/raw-peer.ts";
import { RawWsPeer } from "../helpers/raw-ws-peer.ts";
import { sleep, waitFor } from "../helpers/wait.ts";

interface User {
  name: string;
}

class UserChannel extends Channel<AnyMessage, AnyMessage, User> {
  readonly got: AnyMessage[] = [];
  Network_who(): void {
    this.send({ action: "you", name: this.user.name });
  }
  networkReceived(data: AnyMessage): void {
    this.got.push(data);
  }
}

const SECRET = "s3cret-token-0042";

/** Accepts `{ token: "<name>:" + SECRET }`; `hold` makes a name wait until released. */
class AuthServer extends Server<UserChannel> {
  readonly connected: UserChannel[] = [];
  readonly errors: RepodError[] = [];
  readonly calls: Array<{ auth: unknown; info: AuthInfo }> = [];
  readonly held = new Map<string, () => void>();
  readonly logs: LogEvent[] = [];
  hold = new Set<string>();

  constructor(options: ServerOptions<UserChannel> = {}) {
    super({ channelClass: UserChannel, port: 0, websocket: { port: 0 }, logger: (event) => this.logs.push(event), ...options });
  }

  override async authenticate(auth: unknown, info: AuthInfo) {
    this.calls.push({ auth, info });
    const token = (auth as { token?: unknown; nickname?: unknown }).token ?? `${String((auth as { nickname?: unknown }).nickname)}:${SECRET}`;
    const [name, secret] = String(token).split(":");
    if (name && this.hold.has(name)) await new Promise<void>((resolve) => this.held.set(name, resolve));
    if (secret !== SECRET || !name) return refuse("unknown player");
    return { name };
  }

  override onConnect(channel: UserChannel): void {
    this.connected.push(channel);
    channel.send({ action: "welcome", name: channel.user.name });
  }

  override onError(error: RepodError): void {
    this.errors.push(error);
  }
}

const stops: Array<() => unknown> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function start(options: ServerOptions<UserChannel> = {}): Promise<AuthServer> {
  const server = new AuthServer(options);
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

const transports = [
  ["TCP", (s: AuthServer) => ["127.0.0.1", s.address.port] as const],
  ["WebSocket", (s: AuthServer) => [s.websocketAddress!.url] as const],
] as const;

async function connect(c: RecordingListener, server: AuthServer, kind: (typeof transports)[number][0], auth?: unknown): Promise<void> {
  if (kind === "TCP") await c.connect("127.0.0.1", server.address.port, auth === undefined ? {} : { auth });
  else await c.connect(server.websocketAddress!.url, auth === undefined ? {} : { auth });
}

describe.each(transports)("authentication over %s", (kind) => {
  it("admits an accepted client with its identity: connected only then, channel.user in handlers, nothing sent before connected lost", async () => {
    const server = await start();
    const c = client();
    await connect(c, server, kind, { token: `ada:${SECRET}` });
    c.send({ action: "early", i: 1 }); // before the greeting: waits for acceptance
    c.send({ action: "who" });
    await c.waitFor("you");
    expect(c.actions().filter((a) => a !== "socketConnect")).toEqual(["connected", "welcome", "you"]);
    expect(c.of("you")[0]).toEqual({ action: "you", name: "ada" });
    expect(server.connected).toHaveLength(1);
    const channel = server.connected[0]!;
    expect(channel.user).toEqual({ name: "ada" });
    expect(channel.got).toEqual([{ action: "early", i: 1 }]);
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]!.info.via).toBe("hello");
    expect(server.calls[0]!.info.transport).toBe(kind === "TCP" ? "tcp" : "websocket");
    expect(server.calls[0]!.info.addr[0]).toBe("127.0.0.1");
  });

  it("refuses a client with AUTH_FAILED and the hook's reason, closes it without onConnect, and never reconnects", async () => {
    const server = await start();
    const good = client();
    await connect(good, server, kind, { token: `bob:${SECRET}` });
    await good.waitFor("welcome");
    const bad = client();
    await connect(bad, server, kind, { token: `eve:wrong-${SECRET}` });
    bad.send({ action: "spam" });
    await bad.waitFor("disconnected");
    server.sendToAll({ action: "news" });
    await good.waitFor("news");
    const errors = bad.of("error");
    expect(errors.map((e) => e.code)).toEqual(["AUTH_FAILED"]);
    expect(errors[0]!.message).toMatch(/^unknown player \(from 127\.0\.0\.1:\d+\)$/);
    expect(bad.actions().filter((a) => a !== "socketConnect")).toEqual(["error", "disconnected"]);
    expect(server.connected.map((ch) => ch.user.name)).toEqual(["bob"]);
    expect([...server.channels].map((ch) => ch.user.name)).toEqual(["bob"]);
    expect(server.errors.map((e) => e.code)).toEqual(["AUTH_FAILED"]);
    expect(() => bad.send({ action: "again" })).toThrow(/CLOSED|unknown player/);
    expect(server.calls).toHaveLength(2); // no second attempt
    // The token appears in no log line and no error.
    expect(JSON.stringify(server.logs)).not.toContain(SECRET);
    expect(JSON.stringify(server.logs.filter((e) => e.event === "auth-failed"))).toContain("unknown player");
    for (const error of [...server.errors, ...errors.map((e) => e.error as RepodError)])
      expect(`${error.message} ${String(error.stack)}`).not.toContain(SECRET);
  });

  it("a slow authentication blocks no one; what the slow client sent waits and is dispatched after onConnect, in order", async () => {
    const server = await start();
    server.hold.add("slow");
    const slow = client();
    await connect(slow, server, kind, { token: `slow:${SECRET}` });
    for (let i = 0; i < 5; i++) slow.send({ action: "up", i });
    await waitFor(() => server.held.has("slow"), "the slow hook to start");
    const fast = client();
    await connect(fast, server, kind, { token: `fast:${SECRET}` });
    fast.send({ action: "who" });
    await fast.waitFor("you");
    expect(server.connected.map((ch) => ch.user.name)).toEqual(["fast"]);
    expect(slow.of("connected")).toHaveLength(0);
    server.sendToAll({ action: "news" });
    await fast.waitFor("news");
    server.held.get("slow")!();
    await slow.waitFor("welcome");
    await waitFor(() => server.connected[1]?.got.length === 5, "the slow client's messages");
    expect(server.connected[1]!.got.map((m) => m.i)).toEqual([0, 1, 2, 3, 4]);
    expect(slow.of("news")).toHaveLength(0); // sent before it was admitted
    expect(slow.actions().filter((a) => a !== "socketConnect")).toEqual(["connected", "welcome"]);
  });

  it("refuses an invalid credential before the hook sees it, naming the field but not the value", async () => {
    const { ChatRoom } = await import("../../examples/chat/server.ts");
    const room = new ChatRoom({ port: 0, websocket: { port: 0 } });
    await room.start();
    stops.push(() => room.stop());
    const c = client();
    if (kind === "TCP") await c.connect("127.0.0.1", room.address.port, { auth: { nickname: 42 } });
    else await c.connect(room.websocketAddress!.url, { auth: { nickname: 42 } });
    await c.waitFor("disconnected");
    expect(c.of("error").map((e) => e.message)).toEqual([
      expect.stringMatching(/^the credential does not match the protocol's Auth: nickname: expected string, got number \(from 127\.0\.0\.1:\d+\)$/),
    ]);
  });
});

describe("authentication deadlines and plain peers", () => {
  it("closes a raw TCP peer that presents nothing within authTimeoutMs with AUTH_FAILED, and one of ours that connects without a credential", async () => {
    const clock = new ManualClock();
    const server = await start({ clock, authTimeoutMs: 3000 });
    const peer = await RawPeer.connect(server.address.port);
    await waitFor(() => peer.received.length === 1, "the greeting");
    expect(peer.received[0]).toMatchObject({ action: "connected", auth: true });
    clock.advance(2999);
    await sleep(20);
    expect(peer.closed).toBe(false);
    clock.advance(1);
    clock.advance(1000); // the closing of a connection that never spoke waits for it briefly (ADMIT_DEADLINE_MS)
    await waitFor(() => peer.closed, "the peer closed");
    expect(peer.received[1]).toEqual({ action: "error", code: "AUTH_FAILED", message: "no credential was presented within 3000 ms" });
    expect(server.connected).toHaveLength(0);

    const ours = client();
    await ours.connect("127.0.0.1", server.address.port);
    await ours.waitFor("disconnected");
    expect(ours.of("error").map((e) => e.code)).toEqual(["AUTH_FAILED"]);
    expect(ours.of("error")[0]!.message).toMatch(/^this server requires a credential: connect with \{ auth \}/);
    expect(server.connected).toHaveLength(0);
  });

  it("closes a WebSocket peer that presents nothing within authTimeoutMs", async () => {
    const clock = new ManualClock();
    const server = await start({ clock, authTimeoutMs: 3000 });
    const peer = await RawWsPeer.connect(server.websocketAddress!.url);
    await waitFor(() => peer.received.length === 1, "the greeting");
    clock.advance(4000);
    await waitFor(() => peer.closed, "the peer closed");
    expect(peer.received[1]).toMatchObject({ action: "error", code: "AUTH_FAILED" });
  });

  it("a Python-style peer's first authAction message is its credential; what it sends next waits for the hook and is dispatched after onConnect", async () => {
    const server = await start({ authAction: "nickname" });
    server.hold.add("ada");
    const peer = await RawPeer.connect(server.address.port);
    await waitFor(() => peer.received.length === 1, "the greeting");
    peer.send({ action: "nickname", nickname: "ada" });
    peer.send({ action: "line", text: "hello" });
    await waitFor(() => server.held.has("ada"), "the hook");
    expect(server.connected).toHaveLength(0);
    server.held.get("ada")!();
    await waitFor(() => server.connected[0]?.got.length === 1, "the line");
    const channel = server.connected[0]!;
    expect(channel.user).toEqual({ name: "ada" });
    expect(channel.got).toEqual([{ action: "line", text: "hello" }]); // the credential itself is not dispatched
    expect(server.calls[0]).toMatchObject({ auth: { nickname: "ada" }, info: { via: "message", transport: "tcp" } });
    await waitFor(() => peer.received.length === 2, "welcome");
    expect(peer.received[1]).toEqual({ action: "welcome", name: "ada" });
  });

  it("refuses a Python-style peer with an error message it can read, and one whose first message is not the credential", async () => {
    const server = await start({ authAction: "nickname" });
    const refused = await RawPeer.connect(server.address.port);
    refused.send({ action: "nickname", nickname: "" });
    await waitFor(() => refused.closed, "closed");
    expect(refused.received.slice(1)).toEqual([{ action: "error", code: "AUTH_FAILED", message: "unknown player" }]);
    const rude = await RawPeer.connect(server.address.port);
    rude.send({ action: "line", text: "me first" });
    await waitFor(() => rude.closed, "closed");
    expect(rude.received.slice(1)).toEqual([
      { action: "error", code: "AUTH_FAILED", message: `"line" came before a credential: this server requires one (send "nickname" first)` },
    ]);
    expect(server.connected).toHaveLength(0);
  });

  it("keeps a resumed session's identity without authenticating again", async () => {
    const server = await start();
    const c = client();
    await c.connect("127.0.0.1", server.address.port, { auth: { token: `ada:${SECRET}` } });
    await c.waitFor("welcome");
    const channel = server.connected[0]!;
    c.connection.link.transport!.destroy(); // the network breaks
    await c.waitFor("reconnected");
    c.send({ action: "who" });
    await c.waitFor("you");
    expect(c.of("you")[0]).toEqual({ action: "you", name: "ada" });
    expect(server.calls).toHaveLength(1);
    expect(server.connected).toEqual([channel]);
    expect([...server.channels]).toEqual([channel]);
    expect(c.of("connected")).toHaveLength(1);
  });

  it("a hook that throws refuses the client with a reason that does not leak, and reports HANDLER_FAILED", async () => {
    class Throwing extends AuthServer {
      override async authenticate(): Promise<User> {
        throw new Error("database down");
      }
    }
    const server = new Throwing();
    await server.start();
    stops.push(() => server.stop());
    const c = client();
    await c.connect("127.0.0.1", server.address.port, { auth: { token: "x" } });
    await c.waitFor("disconnected");
    expect(c.of("error").map((e) => e.code)).toEqual(["AUTH_FAILED"]);
    expect(c.of("error")[0]!.message).toMatch(/^the server could not check the credential/);
    expect(server.errors.map((e) => e.code)).toEqual(["HANDLER_FAILED", "AUTH_FAILED"]);
    expect(server.errors[0]!.message).toBe("authenticate threw: database down");
  });
});
