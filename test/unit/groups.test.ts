/** Groups, ids and presence of one server with the in-process adapter, over real loopback sockets. */
import { afterEach, describe, expect, it } from "vitest";
import { type AnyMessage, Channel, type ChannelInit, type Delivery, LocalAdapter, type PresenceChange, type RepodError, Server } from "../../runtime/index.ts";
import { RawPeer } from "../helpers/raw-peer.ts";
import { sleep, waitFor } from "../helpers/wait.ts";

class RoomChannel extends Channel {
  Network_join(data: AnyMessage): void {
    this.join(String(data.group));
  }
  Network_leave(data: AnyMessage): void {
    this.leave(String(data.group));
  }
  Network_nick(data: AnyMessage): void {
    this.setPresence({ nick: String(data.nick) });
  }
  /** Two changes in one handler. */
  Network_enter(data: AnyMessage): void {
    this.join(String(data.group));
    this.setPresence({ nick: String(data.nick) });
    this.send({ action: "entered", seen: this.server.presence.member(this.id)?.presence ?? null });
  }
}

/** Joins "lobby" in its constructor, before the server has accepted it. */
class LobbyChannel extends RoomChannel {
  constructor(init: ChannelInit) {
    super(init);
    this.join("lobby");
  }
}

/** Counts publishes, to show that a send is encoded and handed over once whatever the audience. */
class CountingAdapter extends LocalAdapter {
  readonly frames: Uint8Array[] = [];
  override publish(frame: Uint8Array, delivery: Delivery): void {
    this.frames.push(frame);
    super.publish(frame, delivery);
  }
}

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function serve(options: ConstructorParameters<typeof Server<RoomChannel>>[0] = {}): Promise<Server<RoomChannel>> {
  const server = new Server<RoomChannel>({ channelClass: RoomChannel, port: 0, ...options });
  await server.start();
  cleanup.push(() => server.stop());
  return server;
}

async function peers(server: Server<any>, n: number): Promise<RawPeer[]> {
  const list = await Promise.all(Array.from({ length: n }, () => RawPeer.connect(server.address.port)));
  for (const peer of list) cleanup.push(() => peer.close());
  for (const peer of list) await peer.waitFor(1, "the greeting");
  return list;
}

const idOf = (peer: RawPeer): string => String(peer.received[0]!.id);
const got = (peer: RawPeer, action: string): unknown[] => peer.received.filter((m) => m.action === action).map((m) => m.n);

async function joined(server: Server<any>, group: string, n: number): Promise<void> {
  await waitFor(() => [...server.channels].filter((channel) => channel.groups.has(group)).length === n, `${n} members in ${group}`);
}

describe("channel ids", () => {
  it("are <server id>.<n>, unique within a server and across servers, and sent in the greeting", async () => {
    const [a, b] = [await serve(), await serve()];
    const all = [...(await peers(a, 5)), ...(await peers(b, 5))];
    const ids = all.map(idOf);
    expect(new Set(ids).size).toBe(10);
    expect(a.serverId).not.toBe(b.serverId);
    expect(a.serverId).toMatch(/^[0-9a-f]{12}$/);
    for (const id of ids.slice(0, 5)) expect(id.startsWith(`${a.serverId}.`)).toBe(true);
    for (const id of ids.slice(5)) expect(id.startsWith(`${b.serverId}.`)).toBe(true);
    for (const id of ids.slice(0, 5)) expect(a.channel(id)?.id).toBe(id);
  });
});

describe("groups", () => {
  it("a group send reaches each member exactly once, never a non-member nor the except channel", async () => {
    const server = await serve();
    const [p1, p2, p3, p4] = await peers(server, 4);
    for (const p of [p1!, p2!, p3!]) p.send({ action: "join", group: "red" });
    p1!.send({ action: "join", group: "red" }); // joining twice is one membership
    await joined(server, "red", 3);
    server.sendToGroup("red", { action: "hit", n: 1 });
    server.sendToGroup("red", { action: "hit", n: 2 }, { except: server.channel(idOf(p2!))! });
    server.sendToGroup("red", { action: "hit", n: 3 }, { except: idOf(p3!) });
    server.sendToGroup("nobody", { action: "hit", n: 4 });
    await p1!.waitFor(4);
    await sleep(50);
    expect(got(p1!, "hit")).toEqual([1, 2, 3]);
    expect(got(p2!, "hit")).toEqual([1, 3]);
    expect(got(p3!, "hit")).toEqual([1, 2]);
    expect(got(p4!, "hit")).toEqual([]);
  });

  it("sendToAll honours except; sendTo(id) reaches that one channel only", async () => {
    const server = await serve();
    const list = await peers(server, 3);
    server.sendToAll({ action: "hit", n: 1 }, { except: idOf(list[0]!) });
    server.sendTo(idOf(list[2]!), { action: "hit", n: 2 });
    server.sendTo("no-such-id", { action: "hit", n: 3 });
    await list[2]!.waitFor(3);
    await sleep(50);
    expect(list.map((p) => got(p, "hit"))).toEqual([[], [1], [1, 2]]);
  });

  it("leave stops delivery, and a closed channel leaves every group", async () => {
    const server = await serve();
    const [p1, p2] = await peers(server, 2);
    for (const p of [p1!, p2!]) {
      p.send({ action: "join", group: "red" });
      p.send({ action: "join", group: "blue" });
    }
    await joined(server, "blue", 2);
    p1!.send({ action: "leave", group: "red" });
    await joined(server, "red", 1);
    server.sendToGroup("red", { action: "hit", n: 1 });
    await p2!.waitFor(2);
    expect(got(p1!, "hit")).toEqual([]);
    const c2 = server.channel(idOf(p2!))!;
    p2!.close();
    await joined(server, "blue", 1);
    expect(await server.count("red")).toBe(0);
    expect(c2.groups.size).toBe(0);
    c2.join("late"); // after close: ignored, no group is made for a gone channel
    expect(await server.count("late")).toBe(0);
    expect(c2.groups.size).toBe(0);
  });

  it("a group joined in the channel's constructor counts once the channel is accepted", async () => {
    const server = await serve({ channelClass: LobbyChannel });
    await peers(server, 2);
    await joined(server, "lobby", 2);
    server.sendToGroup("lobby", { action: "hit", n: 1 });
    expect(await server.count("lobby")).toBe(2);
  });

  it("encodes a send once and hands one frame to the adapter, whatever the number of members", async () => {
    const adapter = new CountingAdapter();
    const server = await serve({ adapter });
    const list = await peers(server, 20);
    server.sendToAll({ action: "hit", n: 1 });
    for (const p of list) await p.waitFor(2);
    expect(adapter.frames).toHaveLength(1);
  });

  it("a member whose queue is full does not stop the delivery to the others (QUEUE_FULL reported to that member)", async () => {
    const errors: RepodError[] = [];
    class Reporting extends Server<RoomChannel> {
      override onError(error: RepodError): void {
        errors.push(error);
      }
    }
    const server = new Reporting({ channelClass: RoomChannel, port: 0, maxBufferedBytes: 100 });
    await server.start();
    cleanup.push(() => server.stop());
    const [away, p2, p3] = await peers(server, 3);
    server.channel(idOf(away!))!.link.detach(); // as a session waiting for resume: sends queue up
    // One send per tick, so that the others' sockets flush and only the detached member fills up.
    for (let n = 0; n < 10; n++) {
      server.sendToAll({ action: "hit", n });
      await sleep(5);
    }
    await p3!.waitFor(11);
    expect(got(p2!, "hit")).toEqual([...Array(10).keys()]);
    expect(got(p3!, "hit")).toEqual([...Array(10).keys()]);
    expect(errors.some((e) => e.code === "QUEUE_FULL")).toBe(true);
  });
});

describe("presence", () => {
  it("counts members per group and in all, and lists them with their presence", async () => {
    const server = await serve();
    const [p1, p2, p3] = await peers(server, 3);
    p1!.send({ action: "join", group: "red" });
    p1!.send({ action: "nick", nick: "ann" });
    p2!.send({ action: "join", group: "red" });
    p2!.send({ action: "nick", nick: "bob" });
    await waitFor(() => server.channel(idOf(p2!))?.presence !== undefined, "bob's nick");
    expect(await server.count()).toBe(3);
    expect(await server.count("red")).toBe(2);
    const red = await server.members("red");
    expect(red.map((m) => m.presence).sort()).toEqual([{ nick: "ann" }, { nick: "bob" }]);
    expect(red.map((m) => m.id).sort()).toEqual([idOf(p1!), idOf(p2!)].sort());
    expect((await server.members()).find((m) => m.id === idOf(p3!))).toEqual({ id: idOf(p3!), groups: [], presence: undefined });
  });

  it("announces the changes made in one handler once, after it, with the view as it is then; a throwing onPresence is reported", async () => {
    const changes: Array<{ change: PresenceChange; red: number; all: number }> = [];
    const errors: RepodError[] = [];
    let fail = false;
    class Watching extends Server<RoomChannel> {
      override onPresence(change: PresenceChange): void {
        changes.push({ change, red: this.presence.count("red"), all: this.presence.count() });
        if (fail) throw new Error("boom");
      }
      override onError(error: RepodError): void {
        errors.push(error);
      }
    }
    const server = new Watching({ channelClass: RoomChannel, port: 0 });
    await server.start();
    cleanup.push(() => server.stop());
    const [p1] = await peers(server, 1);
    await waitFor(() => changes.length === 1, "the connection's change");
    expect(changes[0]).toMatchObject({ change: { cause: "change", server: server.serverId, joined: [{ id: idOf(p1!), groups: [] }] }, all: 1 });

    p1!.send({ action: "enter", group: "red", nick: "ann" });
    await p1!.waitFor(2, "entered");
    expect(p1!.received[1]).toEqual({ action: "entered", seen: null }); // not announced (nor in the view) while the handler runs
    await waitFor(() => changes.length === 2, "the handler's change");
    expect(changes[1]).toMatchObject({ change: { updated: [{ id: idOf(p1!), groups: ["red"], presence: { nick: "ann" } }], joined: [], left: [] }, red: 1 });
    expect(changes[1]!.change.version).toBeGreaterThan(changes[0]!.change.version);

    fail = true;
    p1!.close();
    await waitFor(() => errors.length === 1, "the hook's error");
    expect(changes[2]).toMatchObject({ change: { left: [{ id: idOf(p1!) }] }, all: 0 });
    expect(errors[0]).toMatchObject({ code: "HANDLER_FAILED", message: "onPresence threw: boom" });
    expect(await server.count()).toBe(0);
  });
});
