/**
 * The inspector's socket without a browser: what a page gets after the
 * token (and nothing before), counts of messages and errors, the members of
 * every server sharing a Redis, and the cost when there is no inspector (no
 * tap on any link).
 */

import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ChatRoom } from "../../examples/chat/server.ts";
import { encodeFrame } from "../../runtime/index.ts";
import { actionOf, jsonSafe } from "../../runtime/inspector/activity.ts";
import { RedisAdapter } from "../../runtime/redis.ts";
import { RawPeer } from "../helpers/raw-peer.ts";
import { RedisServer } from "../helpers/redis-server.ts";
import { ScriptedChat } from "../helpers/scripted-chat.ts";
import { PATIENCE_MS, waitFor } from "../helpers/wait.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

type Snapshot = Record<string, any>;

/** A page's side of the inspector's socket: every snapshot it got, and how it closed. */
class Watcher {
  readonly snapshots: Snapshot[] = [];
  readonly answers: Snapshot[] = [];
  closed: { code: number; reason: string } | undefined;
  private readonly ws: WebSocket;

  constructor(url: string, token?: string) {
    this.ws = new WebSocket(`${url.replace(/^http/, "ws")}live`);
    this.ws.on("open", () => {
      if (token !== undefined) this.ws.send(JSON.stringify({ type: "auth", token }));
    });
    this.ws.on("message", (data) => {
      const message = JSON.parse(data.toString()) as Snapshot;
      (message.type === "snapshot" ? this.snapshots : this.answers).push(message);
    });
    this.ws.on("close", (code, reason) => (this.closed = { code, reason: reason.toString() }));
    cleanup.push(() => this.ws.close());
  }

  send(command: object): void {
    this.ws.send(JSON.stringify(command));
  }

  get last(): Snapshot | undefined {
    return this.snapshots.at(-1);
  }

  /** Waits for a snapshot for which `check` is true. */
  async until(check: (snapshot: Snapshot) => boolean, what: string): Promise<Snapshot> {
    await waitFor(() => this.snapshots.some(check), `${what}; last snapshot: ${JSON.stringify(this.last)}`, PATIENCE_MS);
    return this.snapshots.find(check)!;
  }
}

async function room(options: ConstructorParameters<typeof ChatRoom>[0] = {}): Promise<ChatRoom> {
  const server = new ChatRoom({ port: 0, ...options });
  await server.start();
  cleanup.push(() => server.stop());
  return server;
}

describe("inspector", () => {
  it("sends nothing before the token and closes with 4401 on a wrong one", async () => {
    const server = await room({ inspector: { port: 0, token: "s3cret", intervalMs: 50 } });
    const silent = new Watcher(server.inspectorUrl!);
    const wrong = new Watcher(server.inspectorUrl!, "guess");
    await waitFor(() => wrong.closed !== undefined, "the wrong token to be refused");
    expect(wrong.closed).toEqual({ code: 4401, reason: "wrong token" });
    expect(wrong.snapshots).toEqual([]);
    const right = new Watcher(server.inspectorUrl!, "s3cret");
    await right.until(() => true, "a snapshot");
    expect(silent.snapshots).toEqual([]);
  });

  it("refuses a server started with an empty token", async () => {
    const server = new ChatRoom({ port: 0, inspector: { port: 0, token: "" } });
    await expect(server.start()).rejects.toThrow('the inspector needs a token: inspector: { token: "…" }');
    expect(server.isRunning).toBe(false);
  });

  it("counts messages, bytes and errors per channel and per action", async () => {
    const server = await room({ inspector: { port: 0, token: "t", intervalMs: 50 } });
    const watcher = new Watcher(server.inspectorUrl!, "t");
    await watcher.until(() => true, "a first snapshot");
    const ada = new ScriptedChat("ada", cleanup);
    await ada.connect("127.0.0.1", server.address.port);
    await ada.saw("* ada joined");
    ada.input("hi");
    await ada.saw("<ada> hi");
    // A raw peer joins (its first `nickname` is its credential), then sends a message the protocol refuses: INVALID_PAYLOAD, and the connection goes on.
    const raw = await RawPeer.connect(server.address.port);
    cleanup.push(() => raw.close());
    raw.send({ action: "nickname", nickname: "raw" });
    raw.send({ action: "message", text: 42 });
    const snapshot = await watcher.until((s) => s.errors.INVALID_PAYLOAD === 1 && s.channels.length === 2, "the error counted");
    const adaRow = snapshot.channels.find((c: Snapshot) => c.presence?.nickname === "ada");
    expect(adaRow).toMatchObject({ transport: "tcp", connected: true, groups: [], in: { messages: 1 } }); // its nickname came in the handshake
    expect(adaRow.in.bytes).toBeGreaterThan(0);
    expect(adaRow.out.messages).toBeGreaterThanOrEqual(4); // players, "ada joined", players, the line
    const rates = { in: {} as Record<string, number>, out: {} as Record<string, number> };
    for (const s of watcher.snapshots) {
      for (const dir of ["in", "out"] as const)
        for (const [action, n] of Object.entries(s.rates[dir] as Record<string, number>)) rates[dir][action] = (rates[dir][action] ?? 0) + n;
    }
    // Credentials are not traffic of a channel: ada's came in the handshake, raw's `nickname` before it was admitted.
    expect(rates.in).toEqual({ message: 2 });
    const logged = watcher.snapshots.flatMap((s) => s.log);
    expect(logged.find((e) => e.dir === "in" && e.payload.text === 42)).toMatchObject({ action: "message", check: "text: expected string, got number" });
    expect(logged.find((e) => e.dir === "out" && e.action === "message")).toMatchObject({
      payload: { action: "message", text: "hi", nickname: "ada" },
      check: "ok",
    });
    // Shown by the protocol's declared types (the schema in the generated descriptor), not by msgpack's kinds.
    expect(logged.find((e) => e.dir === "out" && e.action === "message").view).toEqual({
      type: "",
      children: [
        { name: "text", type: "string", value: '"hi"' },
        { name: "nickname", type: "string", value: '"ada"' },
      ],
    });
    expect(logged.find((e) => e.dir === "out" && e.action === "players").view.children[0]).toMatchObject({ name: "list", type: "string[]" });
  });

  it("closes a channel on request, and refuses an unknown one", async () => {
    const server = await room({ inspector: { port: 0, token: "t", intervalMs: 50 } });
    const watcher = new Watcher(server.inspectorUrl!, "t");
    const ada = new ScriptedChat("ada", cleanup);
    await ada.connect("127.0.0.1", server.address.port);
    await ada.saw("* ada joined");
    const [channel] = [...server.channels];
    watcher.send({ type: "join", id: channel!.id, group: "red" });
    await waitFor(() => channel!.groups.has("red"), "the join");
    watcher.send({ type: "close", id: "nobody.1" });
    watcher.send({ type: "close", id: channel!.id });
    await ada.saw("* disconnected");
    await waitFor(() => watcher.answers.length === 3, "three answers");
    expect(watcher.answers.map((a) => [a.type, a.reason])).toEqual([
      ["done", undefined],
      ["refused", 'no channel "nobody.1" on this server'],
      ["done", undefined],
    ]);
  });

  it("with Redis, lists the members of every server of the cluster", async () => {
    const redis = await RedisServer.start();
    cleanup.push(() => redis.stop());
    const prefix = `inspector-${process.pid}`;
    const a = await room({ adapter: new RedisAdapter({ url: redis.url, prefix }), inspector: { port: 0, token: "t", intervalMs: 50 } });
    const b = await room({ adapter: new RedisAdapter({ url: redis.url, prefix }) });
    const ada = new ScriptedChat("ada", cleanup);
    await ada.connect("127.0.0.1", a.address.port);
    const bob = new ScriptedChat("bob", cleanup);
    await bob.connect("127.0.0.1", b.address.port);
    await ada.saw("* players: ada, bob");
    const watcher = new Watcher(a.inspectorUrl!, "t");
    const snapshot = await watcher.until((s) => s.cluster.total === 2, "both servers' members");
    expect(snapshot.channels).toHaveLength(1); // details are this server's
    expect(snapshot.cluster.servers.map((s: Snapshot) => [s.id, s.channels]).sort()).toEqual(
      [
        [a.serverId, 1],
        [b.serverId, 1],
      ].sort(),
    );
    expect(snapshot.cluster.members.map((m: Snapshot) => m.presence.nickname).sort()).toEqual(["ada", "bob"]);
  });

  it("costs a server without an inspector no tap on any link", async () => {
    const server = await room();
    const ada = new ScriptedChat("ada", cleanup);
    await ada.connect("127.0.0.1", server.address.port);
    await ada.saw("* ada joined");
    expect([...server.channels].map((c) => c.link.tap)).toEqual([null]);
    expect(server.inspectorUrl).toBeUndefined();
  });
});

describe("inspector: reading frames", () => {
  it("reads the action of an encoded frame from its first key, and decodes when action is not first", () => {
    expect(actionOf(encodeFrame({ action: "move", x: 1 }))).toBe("move");
    expect(actionOf(encodeFrame({ action: "a".repeat(40) }))).toBe("a".repeat(40));
    expect(actionOf(encodeFrame({ x: 1, action: "late" } as never))).toBe("late");
    expect(actionOf(encodeFrame({ action: "ünïcode" }))).toBe("ünïcode");
  });

  it("makes payloads JSON-safe for the page", () => {
    expect(jsonSafe({ b: new Uint8Array([1, 2, 255]), n: 2n ** 70n, f: Number.NaN, list: [1, "x", null] }, 0)).toEqual({
      b: { $bytes: "0102ff" },
      n: { $bigint: "1180591620717411303424" },
      f: { $number: "NaN" },
      list: [1, "x", null],
    });
  });
});
