/**
 * Three versions of one protocol (test/compat/v1, v2, v3 and their generated
 * code) playing with each other over real sockets: v2 is compatible with v1
 * both ways (old client on a new server, new client on an old server), v3
 * retypes a field and is refused at the handshake, naming it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { agree } from "../../runtime/compat/agree.ts";
import { type AnyMessage, isRepodError, type RepodError } from "../../runtime/index.ts";
import { RawPeer } from "../helpers/raw-peer.ts";
import { waitFor } from "../helpers/wait.ts";
import * as v1 from "./v1/game.ts";
import * as v2 from "./v2/game.ts";
import * as v3 from "./v3/game.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** What every test channel keeps: the messages its client sent, and its errors. */
interface Recorder {
  readonly got: AnyMessage[];
  readonly errors: RepodError[];
}

class PlayerV1 extends v1.GameChannel implements Recorder {
  readonly got: AnyMessage[] = [];
  readonly errors: RepodError[] = [];
  Network_join(data: v1.GameClientMessages["join"]): void {
    this.got.push(data);
  }
  Network_move(data: v1.GameClientMessages["move"]): void {
    this.got.push(data);
  }
  Network_chat(data: v1.GameClientMessages["chat"]): void {
    this.got.push(data);
  }
  override onError(error: RepodError): void {
    this.errors.push(error);
  }
}

class PlayerV2 extends v2.GameChannel implements Recorder {
  readonly got: AnyMessage[] = [];
  readonly errors: RepodError[] = [];
  suspended = 0;
  override onSuspend(): void {
    this.suspended++;
  }
  Network_join(data: v2.GameClientMessages["join"]): void {
    this.got.push(data);
  }
  Network_move(data: v2.GameClientMessages["move"]): void {
    this.got.push(data);
  }
  Network_chat(data: v2.GameClientMessages["chat"]): void {
    this.got.push(data);
  }
  Network_emote(data: v2.GameClientMessages["emote"]): void {
    this.got.push(data);
  }
  Request_seat(data: v2.GameClientRequests["seat"]): v2.GameClientReplies["seat"] {
    this.got.push(data);
    return { seat: 7 };
  }
  override onError(error: RepodError): void {
    this.errors.push(error);
  }
}

class PlayerV3 extends v3.GameChannel implements Recorder {
  readonly got: AnyMessage[] = [];
  readonly errors: RepodError[] = [];
  Network_join(data: v3.GameClientMessages["join"]): void {
    this.got.push(data);
  }
  Network_move(data: v3.GameClientMessages["move"]): void {
    this.got.push(data);
  }
  Network_emote(data: v3.GameClientMessages["emote"]): void {
    this.got.push(data);
  }
  Request_seat(data: v3.GameClientRequests["seat"]): v3.GameClientReplies["seat"] {
    this.got.push(data);
    return { seat: "A1" };
  }
  override onError(error: RepodError): void {
    this.errors.push(error);
  }
}

/** Records every message and event a client gets; pumped like a game loop. */
function recording<T extends abstract new (...args: any[]) => { pump(): number }>(base: T) {
  abstract class Recording extends base {
    readonly log: AnyMessage[] = [];
    Network_socketConnect(): void {}
    networkReceived(data: AnyMessage): void {
      this.log.push(data);
    }
    Network_connected(data: AnyMessage): void {
      this.log.push(data);
    }
    Network_error(data: AnyMessage): void {
      this.log.push(data);
    }
    Network_disconnected(data: AnyMessage): void {
      this.log.push(data);
    }
    Network_reconnecting(data: AnyMessage): void {
      this.log.push(data);
    }
    Network_reconnected(data: AnyMessage): void {
      this.log.push(data);
    }
    of(action: string): AnyMessage[] {
      return this.log.filter((m) => m.action === action);
    }
    async waitFor(action: string, count = 1): Promise<void> {
      await waitFor(() => this.of(action).length >= count, `${count} × "${action}" (have: ${this.log.map((m) => m.action).join(",")})`);
    }
  }
  return Recording;
}

class ClientV1 extends recording(v1.GameListener) {
  Network_welcome(data: AnyMessage): void {
    this.log.push(data);
  }
  Network_moved(data: AnyMessage): void {
    this.log.push(data);
  }
  Network_said(data: AnyMessage): void {
    this.log.push(data);
  }
}

class ClientV2 extends recording(v2.GameListener) {
  Request_ready(): boolean {
    return true;
  }
  Network_welcome(data: AnyMessage): void {
    this.log.push(data);
  }
  Network_moved(data: AnyMessage): void {
    this.log.push(data);
  }
  Network_said(data: AnyMessage): void {
    this.log.push(data);
  }
  Network_emoted(data: AnyMessage): void {
    this.log.push(data);
  }
}

class ClientV3 extends recording(v3.GameListener) {
  Network_welcome(data: AnyMessage): void {
    this.log.push(data);
  }
  Network_moved(data: AnyMessage): void {
    this.log.push(data);
  }
  Network_said(data: AnyMessage): void {
    this.log.push(data);
  }
  Network_emoted(data: AnyMessage): void {
    this.log.push(data);
  }
}

type Transport = "tcp" | "websocket";

interface Started<S> {
  server: S;
  errors: RepodError[];
  /** Where a client connects: host and port, or a ws:// URL. */
  target: [string, number?];
}

async function start<S extends { start(): Promise<void>; stop(): Promise<void>; address: { port: number }; websocketAddress?: { url: string } | undefined }>(
  make: (options: { port: number; websocket?: { port: number } }) => S,
  transport: Transport,
): Promise<Started<S>> {
  const server = make(transport === "websocket" ? { port: 0, websocket: { port: 0 } } : { port: 0 });
  await server.start();
  cleanup.push(() => server.stop());
  const target: [string, number?] = transport === "websocket" ? [server.websocketAddress!.url] : ["127.0.0.1", server.address.port];
  return { server, errors: [], target };
}

async function connect<L extends { connect(host?: string, port?: number): Promise<void>; pump(): number; close(): void }>(
  client: L,
  target: [string, number?],
): Promise<L> {
  const timer = setInterval(() => client.pump(), 2);
  cleanup.push(() => {
    client.close();
    clearInterval(timer);
  });
  await client.connect(...target);
  return client;
}

/** Removes the " (from host:port)" a RepodError's message ends with. */
const bare = (message: unknown): string => String(message).replace(/ \(from [^)]*\)$/, "");

function serverErrors<S extends { onError(error: RepodError): void }>(server: S): RepodError[] {
  const errors: RepodError[] = [];
  server.onError = (error: RepodError) => void errors.push(error);
  return errors;
}

describe.each<Transport>(["tcp", "websocket"])("versions of one protocol over %s", (transport) => {
  it("a v2 server keeps a v1 client playing, and never sends it what only v2 knows", async () => {
    const { server, target } = await start((o) => new v2.GameServer({ channelClass: PlayerV2, ...o }), transport);
    const errors = serverErrors(server);
    const old = await connect(new ClientV1(), target);
    const current = await connect(new ClientV2(), target);
    await old.waitFor("connected");
    await current.waitFor("connected");
    old.send({ action: "join", name: "old" });
    current.send({ action: "join", name: "new", color: "red" });
    await waitFor(() => [...server.channels].filter((c) => c.got.length === 1).length === 2, "both joins");
    const oldChannel = [...server.channels].find((c) => c.got[0]!.name === "old")!;
    const newChannel = [...server.channels].find((c) => c.got[0]!.name === "new")!;
    expect(newChannel.got).toEqual([{ action: "join", name: "new", color: "red" }]);

    // What each side knows of the other.
    expect(oldChannel.supports("emoted")).toBe(false);
    expect(oldChannel.supports("said")).toBe(true);
    expect(newChannel.supports("emoted")).toBe(true);
    expect(old.supports("chat")).toBe(true);
    expect(current.supports("emote")).toBe(true);

    // A send the old client could not read is refused at the call site.
    let refused: unknown;
    try {
      oldChannel.send({ action: "emoted", name: "new", emote: "wave" });
    } catch (error) {
      refused = error;
    }
    expect(isRepodError(refused, "NOT_SUPPORTED")).toBe(true);
    expect(bare((refused as Error).message)).toBe('the client\'s version of the protocol has no "emoted" message: check supports("emoted") before sending it');

    // Broadcasts skip it; the v1 messages reach both, the v2 field too (an old reader ignores it).
    server.sendToAll({ action: "emoted", name: "new", emote: "wave" });
    server.sendTo(oldChannel.id, { action: "emoted", name: "new", emote: "laugh" });
    oldChannel.join("room");
    newChannel.join("room");
    server.sendToGroup("room", { action: "emoted", name: "new", emote: "laugh" });
    server.sendToAll({ action: "moved", name: "new", x: 1, y: 2 });
    oldChannel.send({ action: "said", name: "server", text: "bye" });
    await old.waitFor("said");
    await current.waitFor("moved");
    expect(old.log.map((m) => m.action)).toEqual(["connected", "moved", "said"]);
    expect(current.log.map((m) => m.action)).toEqual(["connected", "emoted", "emoted", "moved"]);

    // The old client's messages, the deprecated one included, reach the new server.
    old.send({ action: "chat", text: "hi" });
    old.send({ action: "move", dir: "up" });
    await waitFor(() => oldChannel.got.length === 3, "chat and move");
    expect(oldChannel.got.slice(1)).toEqual([
      { action: "chat", text: "hi" },
      { action: "move", dir: "up" },
    ]);
    expect(errors).toEqual([]);
    expect(oldChannel.errors).toEqual([]);
    expect(old.of("error")).toEqual([]);
  });

  it("a v1 server keeps a v2 client playing; the client cannot send what v1 does not know", async () => {
    const { server, target } = await start((o) => new v1.GameServer({ channelClass: PlayerV1, ...o }), transport);
    const errors = serverErrors(server);
    const client = await connect(new ClientV2(), target);
    await client.waitFor("connected");
    expect(client.supports("emote")).toBe(false);
    expect(client.supports("join")).toBe(true);
    expect(() => client.send({ action: "emote", name: "wave" })).toThrow(
      'the server\'s version of the game protocol has no "emote" message: check supports("emote") before sending it',
    );
    client.send({ action: "join", name: "new", color: "red" });
    await waitFor(() => server.channels.size === 1 && [...server.channels][0]!.got.length === 1, "join");
    const channel = [...server.channels][0]!;
    expect(channel.got).toEqual([{ action: "join", name: "new", color: "red" }]);
    // The v2 client reads every v1 server message: nothing to skip.
    expect(channel.supports("said")).toBe(true);
    server.sendToAll({ action: "welcome", id: channel.id, players: ["new"] });
    server.sendToAll({ action: "said", name: "server", text: "hello" });
    await client.waitFor("said");
    expect(client.log.map((m) => m.action)).toEqual(["connected", "welcome", "said"]);
    expect(errors).toEqual([]);
  });

  it("refuses a v1 client on a v3 server at the handshake, naming the field that breaks", async () => {
    const { server, target } = await start((o) => new v3.GameServer({ channelClass: PlayerV3, ...o }), transport);
    const errors = serverErrors(server);
    const client = await connect(new ClientV1(), target);
    await client.waitFor("disconnected");
    expect(client.log.map((m) => m.action)).toEqual(["error", "disconnected"]);
    expect(client.log[0]!.code).toBe("PROTOCOL_MISMATCH");
    expect(bare(client.log[0]!.message)).toBe(
      'the server\'s version of the game protocol cannot talk with this client\'s: "move".dir: the server reads Int, the client sends "up" | "down" | "left" | "right" [FIELD_RETYPED]',
    );
    await waitFor(() => errors.length === 1, "the server's error");
    expect(errors[0]!.code).toBe("PROTOCOL_MISMATCH");
    expect(bare(errors[0]!.message)).toBe(
      'the client\'s version of the game protocol cannot talk with this server\'s: "move".dir: the server reads Int, the client sends "up" | "down" | "left" | "right" [FIELD_RETYPED]',
    );
    await waitFor(() => server.channels.size === 0, "the refused channel gone");
  });

  it("refuses a v3 client on a v1 server, naming the field", async () => {
    const { server, target } = await start((o) => new v1.GameServer({ channelClass: PlayerV1, ...o }), transport);
    serverErrors(server);
    const client = await connect(new ClientV3(), target);
    await client.waitFor("disconnected");
    expect(client.log.map((m) => m.action)).toEqual(["error", "disconnected"]);
    expect(bare(client.log[0]!.message)).toBe(
      'the server\'s version of the game protocol cannot talk with this client\'s: "move".dir: the server reads "up" | "down" | "left" | "right", the client sends Int [FIELD_RETYPED]',
    );
  });
});

describe("versions of one protocol", () => {
  it("a client of the same version costs nothing: no schema is exchanged, nothing is filtered", async () => {
    const { server, target } = await start((o) => new v2.GameServer({ channelClass: PlayerV2, ...o }), "tcp");
    const client = await connect(new ClientV2(), target);
    await client.waitFor("connected");
    client.send({ action: "join", name: "same" });
    await waitFor(() => [...server.channels][0]?.got.length === 1, "join");
    const channel = [...server.channels][0]!;
    expect(channel.peerUnread).toBeNull();
    expect(channel.peerFingerprint).toBeUndefined();
  });

  it("judges versions on a server without heartbeat or resume too (no _hello at all)", async () => {
    const { server, target } = await start((o) => new v2.GameServer({ channelClass: PlayerV2, heartbeatIntervalMs: 0, resumeWindowMs: 0, ...o }), "tcp");
    const old = await connect(new ClientV1(), target);
    await old.waitFor("connected");
    old.send({ action: "join", name: "old" });
    await waitFor(() => [...server.channels][0]?.got.length === 1, "join");
    const channel = [...server.channels][0]!;
    expect(channel.supports("emoted")).toBe(false);
    server.sendToAll({ action: "emoted", name: "x", emote: "wave" });
    server.sendToAll({ action: "said", name: "x", text: "hi" });
    await old.waitFor("said");
    expect(old.log.map((m) => m.action)).toEqual(["connected", "said"]);
  });

  it("a Python repod peer (no control frames) gets every message, as before", async () => {
    const { server } = await start((o) => new v2.GameServer({ channelClass: PlayerV2, ...o }), "tcp");
    const peer = await RawPeer.connect(server.address.port);
    cleanup.push(() => peer.close());
    await peer.waitFor(1, "the greeting");
    expect(peer.received[0]).toMatchObject({ action: "connected", protocol: "game" });
    peer.send({ action: "join", name: "py" });
    await waitFor(() => [...server.channels][0]?.got.length === 1, "join");
    server.sendToAll({ action: "emoted", name: "py", emote: "wave" });
    await peer.waitFor(2, "emoted");
    expect(peer.received[1]).toEqual({ action: "emoted", name: "py", emote: "wave" });
  });

  it("resumes a v1 client's session on a v2 server after a break; still nothing v2-only reaches it", async () => {
    const { server, target } = await start((o) => new v2.GameServer({ channelClass: PlayerV2, ...o }), "tcp");
    const client = new ClientV1({ reconnectMinDelayMs: 5, reconnectMaxDelayMs: 40 });
    await connect(client, target);
    await client.waitFor("connected");
    client.send({ action: "join", name: "old" });
    await waitFor(() => [...server.channels][0]?.got.length === 1, "join");
    const channel = [...server.channels][0]!;

    client.connection.link.transport?.destroy(); // the network breaks
    await client.waitFor("reconnecting");
    client.send({ action: "chat", text: "while away" });
    await waitFor(() => channel.suspended === 1, "onSuspend");
    server.sendToAll({ action: "emoted", name: "x", emote: "wave" });
    channel.send({ action: "said", name: "server", text: "while away" });
    await client.waitFor("reconnected");
    await client.waitFor("said");
    await waitFor(() => channel.got.length === 2, "the chat sent while away");

    expect(channel.got).toEqual([
      { action: "join", name: "old" },
      { action: "chat", text: "while away" },
    ]);
    expect([...server.channels]).toEqual([channel]);
    expect(client.log.map((m) => m.action)).toEqual(["connected", "reconnecting", "reconnected", "said"]);
    expect(channel.supports("emoted")).toBe(false);
  });
});

/** A v2 channel that speaks first, in `onConnect`: before its client has said anything, its version must already be known. */
class GreeterV2 extends PlayerV2 {
  supportedAtConnect: boolean | undefined;
  refusedAtConnect: unknown;
  override onConnect(): void {
    this.supportedAtConnect = this.supports("emoted");
    try {
      this.send({ action: "emoted", name: "server", emote: "wave" });
    } catch (error) {
      this.refusedAtConnect = error;
    }
    this.send({ action: "said", name: "server", text: "welcome" });
  }
}

/** A v2 server on which something is broadcast the moment a connection is greeted, before its client says anything. */
class EagerServerV2 extends v2.GameServer<PlayerV2> {
  protected override accept(transport: Parameters<v2.GameServer<PlayerV2>["accept"]>[0]): void {
    super.accept(transport);
    this.sendToAll({ action: "emoted", name: "other", emote: "laugh" });
    this.sendToAll({ action: "said", name: "other", text: "hi all" });
  }
}

const sessionModes = [
  ["tcp", "with sessions"],
  ["websocket", "with sessions"],
  ["tcp", "without heartbeat or resume"],
  ["websocket", "without heartbeat or resume"],
] as const;

describe.each(sessionModes)("a client's version is known before the first send (%s, %s)", (transport, mode) => {
  const sessions = mode === "with sessions" ? {} : { heartbeatIntervalMs: 0, resumeWindowMs: 0 };

  it("onConnect of a v2 server knows a v1 client's version: the new message is refused, never sent", async () => {
    const { server, target } = await start((o) => new v2.GameServer({ channelClass: GreeterV2, ...sessions, ...o }), transport);
    const errors = serverErrors(server);
    const old = await connect(new ClientV1(), target);
    await old.waitFor("said");
    const channel = [...server.channels][0] as GreeterV2;
    expect(channel.supportedAtConnect).toBe(false);
    expect(isRepodError(channel.refusedAtConnect, "NOT_SUPPORTED")).toBe(true);
    // Something after the greeting, so that an `emoted` sent at connect would have arrived by now.
    channel.send({ action: "said", name: "server", text: "later" });
    await old.waitFor("said", 2);
    expect(old.log.map((m) => m.action)).toEqual(["connected", "said", "said"]);
    expect(old.of("error")).toEqual([]);
    expect(errors).toEqual([]);

    const current = await connect(new ClientV2(), target);
    await current.waitFor("said");
    const newChannel = [...server.channels].find((c) => c !== channel) as GreeterV2;
    expect(newChannel.supportedAtConnect).toBe(true);
    expect(newChannel.refusedAtConnect).toBeUndefined();
    expect(current.log.map((m) => m.action)).toEqual(["connected", "emoted", "said"]);
  });

  it("what is broadcast while a v1 client's connection is being greeted reaches it only if v1 has it", async () => {
    const { server, target } = await start((o) => new EagerServerV2({ channelClass: PlayerV2, ...sessions, ...o }), transport);
    const errors = serverErrors(server);
    const old = await connect(new ClientV1({ reconnectMinDelayMs: 5, reconnectMaxDelayMs: 40 }), target);
    await old.waitFor("said");
    const current = await connect(new ClientV2(), target);
    await current.waitFor("said");
    expect(current.log.map((m) => m.action)).toEqual(["connected", "emoted", "said"]);
    const oldChannel = [...server.channels].find((c) => !c.supports("emoted"))!;
    oldChannel.send({ action: "said", name: "server", text: "later" });
    await old.waitFor("said", 3);
    // Its own greeting's broadcast, the newer client's (without `emoted`), then `later`.
    expect(old.log.map((m) => m.action)).toEqual(["connected", "said", "said", "said"]);
    expect(errors).toEqual([]);
    expect(oldChannel.errors).toEqual([]);
    if (mode === "without heartbeat or resume") return;

    // The session's count matches what the client got: a resume resends nothing it had, nothing it cannot read.
    old.connection.link.transport?.destroy();
    await old.waitFor("reconnected");
    oldChannel.send({ action: "said", name: "server", text: "after the resume" });
    await old.waitFor("said", 4);
    expect(old.log.map((m) => m.action)).toEqual(["connected", "said", "said", "said", "reconnecting", "reconnected", "said"]);
    expect(old.of("error")).toEqual([]);
    expect(oldChannel.errors).toEqual([]);
  });
});

describe("Python repod peers on a server that waits for a client's version", () => {
  it("a peer that speaks first is admitted on its first message, before that message's handler", async () => {
    const { server } = await start((o) => new v2.GameServer({ channelClass: GreeterV2, ...o }), "tcp");
    const peer = await RawPeer.connect(server.address.port);
    cleanup.push(() => peer.close());
    await peer.waitFor(1, "the greeting");
    peer.send({ action: "join", name: "py" });
    await peer.waitFor(3, "what onConnect sent");
    await waitFor(() => server.channels.size === 1 && [...server.channels][0]!.got.length === 1, "the join");
    const channel = [...server.channels][0] as GreeterV2;
    expect(channel.supportedAtConnect).toBe(true);
    expect(channel.got).toEqual([{ action: "join", name: "py" }]);
    expect(peer.received.map((m) => m.action)).toEqual(["connected", "emoted", "said"]);
  });

  it("a peer that never speaks is admitted at the deadline and gets everything sent since its greeting, in order", async () => {
    const { server } = await start((o) => new EagerServerV2({ channelClass: GreeterV2, ...o }), "tcp");
    const peer = await RawPeer.connect(server.address.port);
    cleanup.push(() => peer.close());
    await peer.waitFor(5, "the greeting, the broadcasts, then what onConnect sent");
    expect(peer.received.map((m) => m.action)).toEqual(["connected", "emoted", "said", "emoted", "said"]);
    expect(server.channels.size).toBe(1);
  });
});

describe.each<Transport>(["tcp", "websocket"])("requests between versions over %s", (transport) => {
  it("a v2 server never asks a v1 client what v1 does not answer; a v2 client is asked and asks", async () => {
    const { server, target } = await start((o) => new v2.GameServer({ channelClass: PlayerV2, ...o }), transport);
    const errors = serverErrors(server);
    const old = await connect(new ClientV1(), target);
    await old.waitFor("connected");
    await waitFor(() => server.channels.size === 1, "the v1 channel");
    const oldChannel = [...server.channels][0]!;
    expect(oldChannel.supports("ready")).toBe(false);
    expect(oldChannel.supports("said")).toBe(true);
    const refused = await oldChannel.request("ready", {}).catch((error: unknown) => error);
    expect(isRepodError(refused, "NOT_SUPPORTED")).toBe(true);
    expect(bare((refused as Error).message)).toBe('the client\'s version of the protocol has no "ready" request: check supports("ready") before asking it');

    const current = await connect(new ClientV2(), target);
    await current.waitFor("connected");
    await waitFor(() => server.channels.size === 2, "the v2 channel");
    const newChannel = [...server.channels].find((c) => c !== oldChannel)!;
    expect(newChannel.supports("ready")).toBe(true);
    expect(await newChannel.request("ready", {})).toBe(true);
    expect(current.supports("seat")).toBe(true);
    expect(await current.request("seat", { table: "red" })).toEqual({ seat: 7 });
    expect(old.of("error")).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("a v2 client on a v1 server cannot ask what v1 does not answer", async () => {
    const { server, target } = await start((o) => new v1.GameServer({ channelClass: PlayerV1, ...o }), transport);
    const errors = serverErrors(server);
    const client = await connect(new ClientV2(), target);
    await client.waitFor("connected");
    expect(client.supports("seat")).toBe(false);
    const refused = await client.request("seat", { table: "red" }).catch((error: unknown) => error);
    expect(isRepodError(refused, "NOT_SUPPORTED")).toBe(true);
    expect(bare((refused as Error).message)).toBe('the server\'s version of the game protocol has no "seat" request: check supports("seat") before asking it');
    expect(errors).toEqual([]);
  });
});

describe("judging requests at the handshake", () => {
  const v2Schema = v2.gameProtocol.schema!;
  const v3Schema = v3.gameProtocol.schema!;
  // v3 without its retyped message, so that the request is the first thing that breaks.
  const v3Requests = { ...v3Schema, client: v2Schema.client, serverRequests: v2Schema.serverRequests };

  it("refuses a reply retyped, naming the request and the field", () => {
    expect(agree(v3Requests, v2Schema)).toBe('the reply to "seat".seat: the client reads Int, the server sends string [FIELD_RETYPED]');
  });

  it("refuses a request's field retyped, naming it", () => {
    const retyped = {
      ...v2Schema,
      clientRequests: { seat: { data: { kind: "object", fields: [{ name: "table", type: { kind: "int" } }] }, reply: v2Schema.clientRequests!.seat!.reply } },
    } as const;
    expect(agree(retyped, v2Schema)).toBe('request "seat".table: the server reads Int, the client sends string [FIELD_RETYPED]');
  });

  it("agrees on the requests both know, and leaves out those one side lacks", () => {
    expect(agree(v2Schema, v2Schema)).toEqual({
      serverReads: ["chat", "emote", "join", "move", "seat"],
      clientReads: ["emoted", "moved", "said", "welcome", "ready"],
    });
    expect(agree(v2Schema, v1.gameProtocol.schema!)).toEqual({ serverReads: ["chat", "join", "move"], clientReads: ["moved", "said", "welcome"] });
  });

  it("refuses a malformed request in a schema as the client's problem", () => {
    const broken = { ...v2Schema, clientRequests: { seat: { data: null } } } as unknown as typeof v2Schema;
    expect(agree(v2Schema, broken)).toBe("the client's protocol schema is malformed (a request without its data)");
  });
});
