/**
 * Requests over real sockets, both ways, on the generated kitchen-sink
 * protocol: typed answers over TCP and WebSocket, refusals that carry the
 * game's reason and nothing else, invalid requests and replies, timeouts,
 * aborts, closed connections, many requests answered out of order, and
 * requests in flight across a broken connection answered exactly once.
 */

import { type AnyMessage, type ChannelClass, type ClientOptions, RepodError, RequestError, type ServerOptions } from "repod";
import { afterEach, describe, expect, it } from "vitest";
import {
  type KitchenSinkClientRequests as Asks,
  KitchenSinkChannel,
  KitchenSinkListener,
  KitchenSinkServer,
  type KitchenSinkServerRequests as Questions,
  type KitchenSinkClientReplies as Replies,
} from "../../generated/kitchen_sink.ts";
import { ConnectionListener } from "../../runtime/index.ts";
import { FaultProxy } from "../helpers/fault-proxy.ts";
import { waitFor } from "../helpers/wait.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A promise resolved from outside: a handler that answers when the test says. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** How the server's channel answers, set by each test. */
interface Script {
  sit(data: Asks["sit"], channel: Seats): Replies["sit"] | Promise<Replies["sit"]>;
  time(channel: Seats): number | Promise<number>;
}

const defaultScript = (): Script => ({
  sit: (data) => ({ seat: data.table.length, players: [] }),
  time: () => 42,
});

/** The kitchen sink's messages are not what these tests are about: their handlers do nothing. */
class Seats extends KitchenSinkChannel {
  Network_join(): void {}
  Network_move(): void {}
  Network_say(): void {}
  Network_draw(): void {}
  Network_upload(): void {}
  Network_settings(): void {}
  Network_ping(): void {}
  Network_post(): void {}
  Network_vote(): void {}
  Network_select(): void {}
  Network_teleport(): void {}
  Network_store(): void {}
  Network_mixed(): void {}
  Network_aim(): void {}
  Network_nested(): void {}
  Network_odd(): void {}
  static script: Script = defaultScript();
  static calls: string[] = [];
  Request_sit(data: Asks["sit"]): Replies["sit"] | Promise<Replies["sit"]> {
    Seats.calls.push(`sit ${data.table}`);
    return Seats.script.sit(data, this);
  }
  Request_time(): number | Promise<number> {
    Seats.calls.push("time");
    return Seats.script.time(this);
  }
  Request_locate(data: Asks["locate"]): Replies["locate"] {
    return data.x > 0 ? { kind: "circle", center: { x: data.x, y: data.y }, radius: 1 } : null;
  }
}

class Hall extends KitchenSinkServer<Seats> {
  readonly channelsSeen: Seats[] = [];
  readonly errors: RepodError[] = [];
  override onConnect(channel: Seats): void {
    this.channelsSeen.push(channel);
  }
  override onError(error: RepodError): void {
    this.errors.push(error);
  }
}

class Player extends KitchenSinkListener {
  Network_welcome(): void {}
  Network_state(): void {}
  Network_kicked(): void {}
  Network_ack(): void {}
  readonly questions: string[] = [];
  answer: (data: Questions["confirm"]) => boolean | Promise<boolean> = () => true;
  readonly events: AnyMessage[] = [];
  private timer: NodeJS.Timeout | undefined;
  Request_confirm(data: Questions["confirm"]): boolean | Promise<boolean> {
    this.questions.push(data.question);
    return this.answer(data);
  }
  Network_connected(data: AnyMessage): void {
    this.events.push(data);
  }
  Network_reconnected(data: AnyMessage): void {
    this.events.push(data);
  }
  Network_error(data: AnyMessage): void {
    this.events.push(data);
  }
  loop(): this {
    this.timer = setInterval(() => this.pump(), 2);
    return this;
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

async function startHall(options: Partial<ServerOptions<Seats>> = {}): Promise<Hall> {
  Seats.script = defaultScript();
  Seats.calls = [];
  const server = new Hall({ channelClass: Seats as unknown as ChannelClass<Seats>, port: 0, ...options });
  await server.start();
  cleanup.push(() => server.stop());
  return server;
}

async function player(target: string | number, options: ClientOptions = {}): Promise<Player> {
  const client = new Player({ reconnectMinDelayMs: 5, reconnectMaxDelayMs: 40, ...options }).loop();
  cleanup.push(() => {
    client.close();
    client.stop();
  });
  if (typeof target === "string") await client.connect(target);
  else await client.connect("127.0.0.1", target);
  await waitFor(() => client.events.some((e) => e.action === "connected"), "connected");
  return client;
}

/** The error a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<RepodError> {
  try {
    await promise;
  } catch (error) {
    return error as RepodError;
  }
  throw new Error("expected a rejection");
}

describe.each(["tcp", "websocket"] as const)("requests over %s", (transport) => {
  async function setup(options: Partial<ServerOptions<Seats>> = {}) {
    const server = await startHall(transport === "websocket" ? { ...options, tcp: false, websocket: { port: 0 } } : options);
    const client = await player(transport === "websocket" ? server.websocketAddress!.url : server.address.port);
    await waitFor(() => server.channelsSeen.length === 1, "onConnect");
    return { server, client, channel: server.channelsSeen[0]! };
  }

  it("a client asks and awaits the server's typed answer, sync or async", async () => {
    const { client } = await setup();
    Seats.script.time = async () => 7;
    expect(await client.request("sit", { table: "abc" })).toEqual({ seat: 3, players: [] });
    expect(await client.request("time", {})).toBe(7);
    expect(await client.request("locate", { x: 2, y: 3 })).toEqual({ kind: "circle", center: { x: 2, y: 3 }, radius: 1 });
    expect(await client.request("locate", { x: -1, y: 0 })).toBeNull();
    expect(Seats.calls).toEqual(["sit abc", "time"]);
  });

  it("the server asks a client and awaits its answer", async () => {
    const { client, channel } = await setup();
    client.answer = (data) => data.question === "ready?";
    expect(await channel.request("confirm", { question: "ready?" })).toBe(true);
    client.answer = async () => false;
    expect(await channel.request("confirm", { question: "sure?" })).toBe(false);
    expect(client.questions).toEqual(["ready?", "sure?"]);
  });

  it("a RequestError reaches the asker as REQUEST_FAILED with the game's reason; any other throw only as 'the request failed'", async () => {
    const { server, client } = await setup();
    Seats.script.sit = (data) => {
      throw new RequestError(`table ${data.table} is full`);
    };
    const refused = await rejection(client.request("sit", { table: "t1" }));
    expect(refused).toBeInstanceOf(RepodError);
    expect(refused.code).toBe("REQUEST_FAILED");
    expect(refused.reason).toBe("table t1 is full");
    expect(refused.message).toMatch(/^the request "sit" failed: table t1 is full \(from 127\.0\.0\.1:\d+\)$/);

    Seats.script.time = async () => {
      throw new Error("database password is hunter2");
    };
    const failed = await rejection(client.request("time", {}));
    expect(failed.code).toBe("REQUEST_FAILED");
    expect(failed.reason).toBe("the request failed");
    expect(failed.message).not.toMatch(/hunter2|at .*\.ts/);
    await waitFor(() => server.errors.some((e) => e.code === "HANDLER_FAILED"), "HANDLER_FAILED on the server");
    expect(server.errors.find((e) => e.code === "HANDLER_FAILED")!.message).toBe("Request_time threw: database password is hunter2");
    // The connection goes on.
    expect(await client.request("sit", { table: "ok" }).catch((e: RepodError) => e.code)).toBe("REQUEST_FAILED");
    Seats.script.sit = defaultScript().sit;
    expect(await client.request("sit", { table: "ok" })).toEqual({ seat: 2, players: [] });
  });

  it("a reply that does not match the protocol rejects with INVALID_PAYLOAD naming the path", async () => {
    const { client, channel } = await setup();
    Seats.script.sit = () => ({ seat: 1.5, players: [] });
    const wrong = await rejection(client.request("sit", { table: "t" }));
    expect(wrong.code).toBe("INVALID_PAYLOAD");
    expect(wrong.message).toMatch(/^invalid reply to "sit": reply\.seat: expected integer, got number \(from /);
    client.answer = () => "yes" as unknown as boolean;
    const wrongAnswer = await rejection(channel.request("confirm", { question: "?" }));
    expect(wrongAnswer.code).toBe("INVALID_PAYLOAD");
    expect(wrongAnswer.message).toMatch(/^invalid reply to "confirm": reply: expected boolean, got string/);
  });

  it("an invalid request is refused at once with INVALID_PAYLOAD; its handler never runs", async () => {
    const { server, client } = await setup();
    const bad = await rejection(client.connection.request("sit", { table: 3 }));
    expect(bad.code).toBe("INVALID_PAYLOAD");
    expect(bad.message).toMatch(/^the request "sit" failed: invalid "sit": table: expected string, got number/);
    expect(Seats.calls).toEqual([]);
    await waitFor(() => server.errors.some((e) => e.code === "INVALID_PAYLOAD"), "INVALID_PAYLOAD on the server");
  });

  it("no answer in time gives REQUEST_TIMEOUT; the late answer is ignored", async () => {
    const { client } = await setup();
    const answer = deferred<number>();
    Seats.script.time = () => answer.promise;
    const late = await rejection(client.request("time", {}, { timeoutMs: 30 }));
    expect(late.code).toBe("REQUEST_TIMEOUT");
    expect(late.message).toMatch(/^no answer to the request "time" within 30 ms/);
    expect(Seats.calls).toEqual(["time"]);
    answer.resolve(1);
    Seats.script.time = () => 2;
    expect(await client.request("time", {})).toBe(2);
    expect(client.connection.requests.size).toBe(0);
  });

  it("the side's requestTimeoutMs is the default timeout", async () => {
    const { client, channel } = await setup({ requestTimeoutMs: 25 });
    client.answer = () => new Promise<boolean>(() => {});
    expect((await rejection(channel.request("confirm", { question: "?" }))).code).toBe("REQUEST_TIMEOUT");
  });

  it("an AbortSignal rejects with ABORTED; an aborted signal sends nothing", async () => {
    const { client } = await setup();
    Seats.script.time = () => new Promise<number>(() => {});
    const controller = new AbortController();
    const pending = client.request("time", {}, { signal: controller.signal, timeoutMs: 0 });
    await waitFor(() => Seats.calls.length === 1, "the handler runs");
    controller.abort();
    const aborted = await rejection(pending);
    expect(aborted.code).toBe("ABORTED");
    expect(aborted.message).toBe('the request "time" was aborted');
    const never = await rejection(client.request("sit", { table: "x" }, { signal: controller.signal }));
    expect(never.code).toBe("ABORTED");
    Seats.script.time = () => 3;
    expect(await client.request("time", {})).toBe(3);
    expect(Seats.calls).toEqual(["time", "time"]);
  });

  it("many concurrent requests answered out of order each get their own answer", async () => {
    const { client } = await setup();
    const waiting: Array<{ table: string; answer: ReturnType<typeof deferred<Replies["sit"]>> }> = [];
    Seats.script.sit = (data) => {
      const answer = deferred<Replies["sit"]>();
      waiting.push({ table: data.table, answer });
      return answer.promise;
    };
    const n = 200;
    const asked = Array.from({ length: n }, (_, i) => client.request("sit", { table: `t${i}` }));
    await waitFor(() => waiting.length === n, `${n} handlers running`);
    // Answer in reverse, and every third one refused.
    for (const { table, answer } of [...waiting].reverse()) {
      const i = Number(table.slice(1));
      if (i % 3 === 0) answer.reject(new RequestError(`no ${table}`));
      else answer.resolve({ seat: i, players: [] });
    }
    const results = await Promise.allSettled(asked);
    results.forEach((result, i) => {
      if (i % 3 === 0) expect(result.status === "rejected" && (result.reason as RepodError).reason).toBe(`no t${i}`);
      else expect(result).toEqual({ status: "fulfilled", value: { seat: i, players: [] } });
    });
  });

  it("closing fails every waiting request with a code, on both sides", async () => {
    const { server, client, channel } = await setup();
    Seats.script.time = () => new Promise<number>(() => {});
    client.answer = () => new Promise<boolean>(() => {});
    const mine = client.request("time", {}, { timeoutMs: 0 });
    const theirs = channel.request("confirm", { question: "?" }, { timeoutMs: 0 });
    await waitFor(() => Seats.calls.length === 1 && client.questions.length === 1, "both handlers running");
    client.close();
    const closed = await rejection(mine);
    expect(closed.code).toBe("CONNECT_FAILED");
    expect(closed.message).toBe('the request "time" was not answered: the connection closed');
    const gone = await rejection(theirs);
    expect(gone.code).toBe("CONNECT_FAILED");
    expect((await rejection(client.request("time", {}))).code).toBe("CONNECT_FAILED");
    await waitFor(() => server.channels.size === 0, "the channel released");
  });
});

describe("requests across a broken connection", () => {
  async function proxied() {
    const server = await startHall();
    const proxy = await FaultProxy.start(server.address.port);
    cleanup.push(() => proxy.close());
    const client = await player(proxy.port);
    await waitFor(() => server.channelsSeen.length === 1, "onConnect");
    return { server, proxy, client, channel: server.channelsSeen[0]! };
  }

  it("a request whose handler answers while the client is away resolves once after the resume; the handler runs once", async () => {
    const { proxy, client, channel } = await proxied();
    const answer = deferred<Replies["sit"]>();
    Seats.script.sit = () => answer.promise;
    const asked = client.request("sit", { table: "t" }, { timeoutMs: 0 });
    await waitFor(() => Seats.calls.length === 1, "the handler runs");
    proxy.cutAll();
    await waitFor(() => !channel.isConnected, "suspended");
    answer.resolve({ seat: 9, players: [] });
    expect(await asked).toEqual({ seat: 9, players: [] });
    expect(client.events.filter((e) => e.action === "reconnected")).toHaveLength(1);
    expect(Seats.calls).toEqual(["sit t"]);
    expect(client.connection.requests.size).toBe(0);
  });

  it("a request cut in the middle of its frame, and a reply cut in the middle of its frame, are each delivered once", async () => {
    const { proxy, client, channel } = await proxied();
    // The request: cut 5 bytes into the next frame to the server.
    const first = proxy.connections[0]!;
    first.fault = { kind: "cut", direction: "toServer", afterBytes: first.bytes.toServer + 5 };
    const asked = client.request("sit", { table: "cut-request" }, { timeoutMs: 0 });
    expect(await asked).toEqual({ seat: 11, players: [] });
    expect(Seats.calls).toEqual(["sit cut-request"]);
    expect(proxy.faulted).toBe(1);

    // The reply: cut 5 bytes into the next frame to the client, the answer to a server's request.
    const answer = deferred<boolean>();
    client.answer = () => answer.promise;
    const question = channel.request("confirm", { question: "still there?" }, { timeoutMs: 0 });
    await waitFor(() => client.questions.length === 1, "the client's handler runs");
    const second = proxy.connections[proxy.connections.length - 1]!;
    second.fault = { kind: "cut", direction: "toServer", afterBytes: second.bytes.toServer + 5 };
    answer.resolve(true);
    expect(await question).toBe(true);
    expect(client.questions).toEqual(["still there?"]);
    expect(proxy.faulted).toBe(2);
    await waitFor(() => client.events.filter((e) => e.action === "reconnected").length === 2, "two resumes");
  });

  it("a request asked while away is sent after the resume and answered once", async () => {
    const { proxy, client } = await proxied();
    // The first attempt to reconnect is cut too, so the client stays away a while.
    proxy.faults = [undefined, { kind: "cut", direction: "toServer", afterBytes: 0 }];
    proxy.cutAll();
    await waitFor(() => client.connection.state === "reconnecting", "reconnecting");
    const asked = client.request("time", {}, { timeoutMs: 0 });
    expect(await asked).toBe(42);
    expect(Seats.calls).toEqual(["time"]);
  });

  it("a session that cannot resume fails the waiting requests with RESUME_FAILED", async () => {
    const server = await startHall({ resumeWindowMs: 1 });
    const proxy = await FaultProxy.start(server.address.port);
    cleanup.push(() => proxy.close());
    const client = await player(proxy.port, { reconnectMinDelayMs: 50, reconnectMaxDelayMs: 50 });
    Seats.script.time = () => new Promise<number>(() => {});
    const asked = client.request("time", {}, { timeoutMs: 0 });
    await waitFor(() => Seats.calls.length === 1, "the handler runs");
    proxy.cutAll();
    await waitFor(() => client.connection.state === "reconnecting", "reconnecting");
    // Asked while away: sent on the fresh session, and answered there.
    const since = client.request("sit", { table: "since" }, { timeoutMs: 0 });
    const failed = await rejection(asked);
    expect(failed.code).toBe("RESUME_FAILED");
    expect(await since).toEqual({ seat: 5, players: [] });
    Seats.script.time = () => 5;
    expect(await client.request("time", {})).toBe(5);
    expect(Seats.calls).toEqual(["time", "sit since", "time"]);
  });

  it("after the server closed the connection for good, a request rejects with CLOSED", async () => {
    const server = await startHall();
    const client = await player(server.address.port);
    await waitFor(() => server.channelsSeen.length === 1, "onConnect");
    Seats.script.time = () => new Promise<number>(() => {});
    const asked = client.request("time", {}, { timeoutMs: 0 });
    await waitFor(() => Seats.calls.length === 1, "the handler runs");
    server.channelsSeen[0]!.close();
    expect((await rejection(asked)).code).toBe("CONNECT_FAILED");
    await waitFor(() => client.connection.state === "closed" && client.connection.pending === 0, "disconnected dispatched");
    const closed = await rejection(client.request("time", {}));
    expect(closed.code).toBe("CLOSED");
  });
});

describe("untyped channels and listeners", () => {
  it("answer with Request_<action> methods; a request without one reaches Network_<action> like a message", async () => {
    const { Channel, Server } = await import("../../runtime/index.ts");
    const seen: AnyMessage[] = [];
    class Echo extends Channel {
      Request_double(data: AnyMessage): number {
        return 2 * Number(data.n);
      }
      Network_plain(data: AnyMessage): void {
        seen.push(data);
        this.send({ action: "_reply", _rid: data._rid, reply: "by hand" });
      }
    }
    const server = new Server({ channelClass: Echo as unknown as ChannelClass<Echo>, port: 0 });
    await server.start();
    cleanup.push(() => server.stop());
    const client = new (class extends ConnectionListener {})();
    const timer = setInterval(() => client.pump(), 2);
    cleanup.push(() => {
      clearInterval(timer);
      client.close();
    });
    await client.connect("127.0.0.1", server.address.port);
    expect(await client.request("double", { n: 21 })).toBe(42);
    expect(await client.request("plain", { x: 1 })).toBe("by hand");
    expect(seen).toEqual([{ action: "plain", x: 1, _rid: 2 }]);
  });
});

describe("a Python repod peer", () => {
  it("asks requests and answers the server's by hand, with plain dicts (test/python/request_peer.py)", async () => {
    const { spawn } = await import("node:child_process");
    const server = await startHall();
    const peer = spawn("/usr/bin/python3", ["test/python/request_peer.py", String(server.address.port)], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    peer.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    peer.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => peer.on("exit", resolve));
    cleanup.push(() => peer.kill());
    await waitFor(() => server.channelsSeen.length === 1, "the Python peer's onConnect", 10_000);
    const channel = server.channelsSeen[0]!;
    expect(await channel.request("confirm", { question: "ready?" })).toBe(true);
    const refused = await rejection(channel.request("confirm", { question: "again?" }));
    expect(refused.code).toBe("REQUEST_FAILED");
    expect(refused.reason).toBe("no thanks");
    expect(await exited, err).toBe(0);
    const replies = out
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(replies).toEqual([
      { action: "_reply", _rid: 1, reply: { seat: 2, players: [] } },
      { action: "_reply", _rid: 2, error: 'invalid "sit": table: expected string, got number', code: "INVALID_PAYLOAD" },
    ]);
    expect(Seats.calls).toEqual(["sit py"]);
    // The invalid request was reported on the server too; nothing else went wrong.
    expect(server.errors.map((e) => e.code)).toEqual(["INVALID_PAYLOAD"]);
  });
});

describe("request ids from the network", () => {
  it("a request whose id cannot be sent back (nested 300 deep) is refused as INVALID_PAYLOAD; the server and the connection go on", async () => {
    const { RawPeer } = await import("../helpers/raw-peer.ts");
    const server = await startHall();
    const peer = await RawPeer.connect(server.address.port);
    cleanup.push(() => peer.close());
    await peer.waitFor(1, "the greeting");
    const key = (text: string) => [0xa0 + text.length, ...Buffer.from(text)];
    // {"action": "time", "_rid": [[[…0…]]]}, 300 arrays deep: it decodes, but no frame may carry it back.
    peer.writePayload([0x82, ...key("action"), ...key("time"), ...key("_rid"), ...new Array(300).fill(0x91), 0x00]);
    peer.send({ action: "time", _rid: { id: [1, "a"] } });
    peer.send({ action: "time", _rid: 5 });
    await waitFor(() => peer.received.some((m) => m.action === "_reply" && m._rid === 5), "the answer to the good request");
    expect(peer.received.filter((m) => m.action === "_reply")).toEqual([{ action: "_reply", _rid: 5, reply: 42 }]);
    expect(Seats.calls).toEqual(["time"]);
    expect(server.errors.map((e) => e.message.replace(/ \(from .*\)$/, ""))).toEqual([
      'invalid "time": a request\'s "_rid" is an integer or a string, got array',
      'invalid "time": a request\'s "_rid" is an integer or a string, got object',
    ]);
  });
});
