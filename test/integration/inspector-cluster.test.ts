/**
 * With Redis, the inspector of any server shows every server's channels
 * (id, server, transport, state, groups, presence, counters) and acts on a
 * channel of another server — through the Redis adapter's pub/sub, on a real
 * redis-server, two servers with an inspector and one without. Its log,
 * per-action counts and errors by code are the cluster's too.
 */
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ChatRoom } from "../../examples/chat/server.ts";
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

class Watcher {
  readonly snapshots: Snapshot[] = [];
  readonly answers: Snapshot[] = [];
  private readonly ws: WebSocket;

  constructor(url: string, token: string) {
    this.ws = new WebSocket(`${url.replace(/^http/, "ws")}live`);
    this.ws.on("open", () => this.ws.send(JSON.stringify({ type: "auth", token })));
    this.ws.on("message", (data) => {
      const message = JSON.parse(data.toString()) as Snapshot;
      (message.type === "snapshot" ? this.snapshots : this.answers).push(message);
    });
    cleanup.push(() => this.ws.close());
  }

  close(): void {
    this.ws.close();
  }

  send(command: object): void {
    this.ws.send(JSON.stringify(command));
  }

  async until(check: (snapshot: Snapshot) => boolean, what: string): Promise<Snapshot> {
    await waitFor(() => this.snapshots.some(check), `${what}; last snapshot: ${JSON.stringify(this.snapshots.at(-1))}`, PATIENCE_MS);
    return this.snapshots.find(check)!;
  }

  async answer(n: number): Promise<Snapshot> {
    await waitFor(() => this.answers.length >= n, `answer ${n}`, PATIENCE_MS);
    return this.answers[n - 1]!;
  }
}

describe("inspector: every server of a Redis cluster", () => {
  it("lists the channels of every server with their details, and closes or moves one on another server", async () => {
    const redis = await RedisServer.start();
    cleanup.push(() => redis.stop());
    const prefix = `inspector-cluster-${process.pid}`;
    const start = async (inspector?: { readOnly?: boolean }): Promise<ChatRoom> => {
      const room = new ChatRoom({
        port: 0,
        adapter: new RedisAdapter({ url: redis.url, prefix }),
        inspector: inspector && { port: 0, token: "t", intervalMs: 50, ...inspector },
      });
      await room.start();
      cleanup.push(() => room.stop());
      return room;
    };
    const a = await start({});
    const b = await start({});
    const c = await start(); // no inspector: its members are counted, its channels not listed
    const ada = new ScriptedChat("ada", cleanup);
    await ada.connect("127.0.0.1", a.address.port);
    const bob = new ScriptedChat("bob", cleanup);
    await bob.connect("127.0.0.1", b.address.port);
    const cy = new ScriptedChat("cy", cleanup);
    await cy.connect("127.0.0.1", c.address.port);
    await ada.saw("* players: ada, bob, cy");
    bob.input("hi from b");
    await ada.saw("<bob> hi from b");

    const watcher = new Watcher(a.inspectorUrl!, "t");
    const snapshot = await watcher.until(
      (s) => s.channels.length === 2 && s.channels.some((ch: Snapshot) => ch.presence?.nickname === "bob" && ch.in.messages === 1),
      "both inspected servers' channels",
    );
    const bobChannel = [...b.channels][0]!;
    const bobRow = snapshot.channels.find((ch: Snapshot) => ch.id === bobChannel.id);
    expect(bobRow).toMatchObject({ server: b.serverId, transport: "tcp", connected: true, groups: [], presence: { nickname: "bob" }, in: { messages: 1 } });
    expect(bobRow.out.messages).toBeGreaterThanOrEqual(3);
    expect(snapshot.channels.find((ch: Snapshot) => ch.server === a.serverId).presence).toMatchObject({ nickname: "ada" });
    expect(snapshot.totals).toMatchObject({ channels: 2, connected: 2, listed: 2 });
    expect(Object.fromEntries(snapshot.cluster.servers.map((s: Snapshot) => [s.id, [s.channels, s.inspector]]))).toEqual({
      [a.serverId]: [1, true],
      [b.serverId]: [1, true],
      [c.serverId]: [1, false],
    });

    // Actions reach the channel where it lives.
    watcher.send({ type: "join", id: bobChannel.id, group: "red" });
    expect(await watcher.answer(1)).toMatchObject({ type: "done" });
    expect(bobChannel.groups.has("red")).toBe(true);
    await watcher.until((s) => s.groups.some((g: Snapshot) => g.name === "red" && g.size === 1), "the group, seen from A");
    watcher.send({ type: "leave", id: bobChannel.id, group: "red" });
    expect(await watcher.answer(2)).toMatchObject({ type: "done" });
    expect(bobChannel.groups.has("red")).toBe(false);
    const cyChannel = [...c.channels][0]!;
    watcher.send({ type: "close", id: cyChannel.id });
    expect(await watcher.answer(3)).toMatchObject({ type: "refused", reason: `server ${c.serverId} has no inspector` });
    watcher.send({ type: "close", id: `${b.serverId}.999` });
    expect(await watcher.answer(4)).toMatchObject({ type: "refused", reason: `no channel "${b.serverId}.999" on server ${b.serverId}` });
    watcher.send({ type: "close", id: bobChannel.id });
    expect(await watcher.answer(5)).toMatchObject({ type: "done" });
    await bob.saw("* disconnected");
    await waitFor(() => b.channels.size === 0, "bob's channel released on B");
    await watcher.until((s) => s.channels.length === 1 && s.totals.channels === 1, "bob gone from A's inspector");
    expect(cyChannel.isConnected).toBe(true);
  });

  it("a read-only server refuses an action asked by another server's inspector", async () => {
    const redis = await RedisServer.start();
    cleanup.push(() => redis.stop());
    const prefix = `inspector-cluster-ro-${process.pid}`;
    const a = new ChatRoom({ port: 0, adapter: new RedisAdapter({ url: redis.url, prefix }), inspector: { port: 0, token: "t", intervalMs: 50 } });
    const b = new ChatRoom({ port: 0, adapter: new RedisAdapter({ url: redis.url, prefix }), inspector: { port: 0, token: "t", readOnly: true } });
    for (const room of [a, b]) {
      await room.start();
      cleanup.push(() => room.stop());
    }
    const bob = new ScriptedChat("bob", cleanup);
    await bob.connect("127.0.0.1", b.address.port);
    await bob.saw("* bob joined");
    const watcher = new Watcher(a.inspectorUrl!, "t");
    await watcher.until((s) => s.channels.length === 1, "bob listed on A");
    const bobChannel = [...b.channels][0]!;
    watcher.send({ type: "close", id: bobChannel.id });
    expect(await watcher.answer(1)).toMatchObject({ type: "refused", reason: `the inspector of server ${b.serverId} is read-only` });
    expect(bobChannel.isConnected).toBe(true);
  });

  it("shows another server's messages in the log and the per-action counts, and its errors by code", async () => {
    const redis = await RedisServer.start();
    cleanup.push(() => redis.stop());
    const prefix = `inspector-cluster-activity-${process.pid}`;
    const a = new ChatRoom({ port: 0, adapter: new RedisAdapter({ url: redis.url, prefix }), inspector: { port: 0, token: "t", intervalMs: 50 } });
    const b = new ChatRoom({ port: 0, adapter: new RedisAdapter({ url: redis.url, prefix }), inspector: { port: 0, token: "t", intervalMs: 50 } });
    const c = new ChatRoom({ port: 0, adapter: new RedisAdapter({ url: redis.url, prefix }) }); // no inspector: answers without activity
    for (const room of [a, b, c]) {
      await room.start();
      cleanup.push(() => room.stop());
    }
    const activityOf = (room: ChatRoom) => (room as unknown as { inspector: { activity: { watched: boolean } } }).inspector.activity;
    const bob = new ScriptedChat("bob", cleanup);
    await bob.connect("127.0.0.1", b.address.port);
    await bob.saw("* bob joined");
    // Nobody watches: B counts no activity.
    expect(activityOf(b).watched).toBe(false);

    const watcher = new Watcher(a.inspectorUrl!, "t");
    // Once B has answered A's inspector with its activity, B counts it (nobody watches B's own page).
    const ready = await watcher.until(
      (s) => s.cluster.servers?.some((server: Snapshot) => server.id === b.serverId && server.activity === true),
      "B's activity in A's snapshot",
    );
    expect(ready.cluster.servers.find((server: Snapshot) => server.id === c.serverId)).toMatchObject({ inspector: false });
    expect(activityOf(b).watched).toBe(true);
    bob.input("hello from b");
    await bob.saw("<bob> hello from b");
    const logged = (): Snapshot[] => watcher.snapshots.flatMap((s) => s.log);
    await waitFor(() => logged().some((e) => e.dir === "in" && e.payload?.text === "hello from b"), "bob's message in A's log", PATIENCE_MS);
    const entry = logged().find((e) => e.dir === "in" && e.payload?.text === "hello from b")!;
    expect(entry).toMatchObject({ server: b.serverId, channel: [...b.channels][0]!.id, action: "message", check: "ok" });
    expect(logged().find((e) => e.dir === "out" && e.action === "message")).toMatchObject({
      server: b.serverId,
      payload: { text: "hello from b", nickname: "bob" },
    });

    // An error counted on B (a message the protocol refuses) is in A's errors by code.
    const raw = await RawPeer.connect(b.address.port);
    cleanup.push(() => raw.close());
    raw.send({ action: "nickname", nickname: "raw" });
    raw.send({ action: "message", text: 42 });
    const errored = await watcher.until((s) => s.errors.INVALID_PAYLOAD === 1, "B's error in A's errors by code");
    expect(errored.errors).toEqual({ INVALID_PAYLOAD: 1 });
    await waitFor(() => logged().some((e) => e.dir === "in" && e.payload?.text === 42), "raw's refused message in A's log", PATIENCE_MS);
    // Counted once each, though B closes a period at every question: bob's line and raw's refused one.
    const counted = (dir: "in" | "out", action: string): number => watcher.snapshots.reduce((sum, s) => sum + (s.rates[dir][action] ?? 0), 0);
    expect(counted("in", "message")).toBe(2);
    expect(counted("out", "message")).toBeGreaterThanOrEqual(1);
    expect(
      logged()
        .filter((e) => e.dir === "in" && e.action === "message")
        .map((e) => [e.server, e.payload.text]),
    ).toEqual([
      [b.serverId, "hello from b"],
      [b.serverId, 42],
    ]);

    // The page closed, B stops counting once A no longer asks.
    watcher.close();
    await waitFor(() => !activityOf(b).watched, "B no longer counting", PATIENCE_MS);
  });
});
