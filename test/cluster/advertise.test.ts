/**
 * `advertise`: a cluster without a load balancer. A server that stops names
 * where its clients reconnect (`_moved {to}`); they resume there, over TCP
 * and over WebSocket. A client refuses an address it cannot use (another
 * transport, another scheme) and reconnects to the address it used.
 */
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type AnyMessage, encodeFrame } from "../../runtime/index.ts";
import { RedisAdapter } from "../../runtime/redis.ts";
import { decodePayload } from "../../runtime/wire/codec.ts";
import { FrameDecoder } from "../../runtime/wire/frame-decoder.ts";
import * as v1 from "../compat/v1/game.ts";
import { RedisServer } from "../helpers/redis-server.ts";
import { waitFor } from "../helpers/wait.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

class Player extends v1.GameChannel {
  readonly got: AnyMessage[] = [];
  Network_join(data: v1.GameClientMessages["join"]): void {
    this.got.push(data);
  }
  Network_move(data: v1.GameClientMessages["move"]): void {
    this.got.push(data);
  }
  Network_chat(data: v1.GameClientMessages["chat"]): void {
    this.got.push(data);
  }
}

class Listener extends v1.GameListener {
  readonly log: AnyMessage[] = [];
  Network_connected(data: AnyMessage): void {
    this.log.push(data);
  }
  Network_error(data: AnyMessage): void {
    this.log.push(data);
  }
  Network_reconnected(data: AnyMessage): void {
    this.log.push(data);
  }
  Network_disconnected(data: AnyMessage): void {
    this.log.push(data);
  }
  Network_welcome(): void {}
  Network_moved(): void {}
  Network_said(data: AnyMessage): void {
    this.log.push(data);
  }
  of(action: string): AnyMessage[] {
    return this.log.filter((m) => m.action === action);
  }
}

async function serve(url: string, websocket: boolean, advertise?: { tcp?: string; websocket?: string }): Promise<v1.GameServer<Player>> {
  const adapter = new RedisAdapter({ url, sessions: advertise ? { advertise } : true });
  const server = new v1.GameServer({ channelClass: Player, port: 0, adapter, ...(websocket ? { tcp: false, websocket: { port: 0 } } : {}) });
  await server.start();
  cleanup.push(() => server.stop());
  return server;
}

function pumped<L extends { pump(): number; close(): void }>(client: L): L {
  const timer = setInterval(() => client.pump(), 2);
  cleanup.push(() => {
    client.close();
    clearInterval(timer);
  });
  return client;
}

describe("advertise: where the clients of a stopping server go, without a load balancer", () => {
  for (const transport of ["tcp", "websocket"] as const) {
    it(`over ${transport}: the client resumes on the server the stopping one names`, async () => {
      const redis = await RedisServer.start();
      cleanup.push(() => redis.stop());
      const websocket = transport === "websocket";
      const b = await serve(redis.url, websocket);
      const to = websocket ? { websocket: b.websocketAddress!.url } : { tcp: `127.0.0.1:${b.address.port}` };
      const a = await serve(redis.url, websocket, to);
      const client = pumped(new Listener({ reconnectAttempts: 3, reconnectMaxDelayMs: 50 }));
      if (websocket) await client.connect(a.websocketAddress!.url);
      else await client.connect("127.0.0.1", a.address.port);
      await waitFor(() => client.of("connected").length === 1, "connected");
      client.send({ action: "join", name: "p" });
      await waitFor(() => [...a.channels].some((c) => c.got.length === 1), "the join on a");
      const id = [...a.channels][0]!.id;
      await a.stop();
      await waitFor(() => client.of("reconnected").length === 1 || client.of("disconnected").length === 1, "resumed, or given up");
      expect(client.log.map((m) => m.action)).toEqual(["connected", "reconnected"]);
      const onB = [...b.channels].find((c) => c.id === id)!;
      client.send({ action: "move", dir: "up" });
      b.sendToAll({ action: "said", name: "b", text: "here" });
      await waitFor(() => onB.got.length === 1 && client.of("said").length === 1, "a message each way on b");
    }, 60_000);
  }

  it("a TCP client refuses a `to` it cannot use (a ws:// URL, an http:// URL) and reconnects to the same address", async () => {
    // A server that greets like ours, offering resume, then says `_moved {to}` and closes; it records each connection's first action.
    const firsts: string[] = [];
    const tos = ["ws://127.0.0.1:1/", "http://127.0.0.1:1/"];
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => {
      sockets.push(socket);
      const decoder = new FrameDecoder(1 << 20);
      let first = true;
      socket.on("data", (chunk) =>
        decoder.push(chunk, (source, start, end) => {
          if (!first) return;
          first = false;
          firsts.push(String((decodePayload(source, start, end) as { action: unknown }).action));
          const to = tos[firsts.length - 1];
          if (to !== undefined) socket.end(encodeFrame({ action: "_moved", to }));
        }),
      );
      socket.on("error", () => {});
      socket.write(encodeFrame({ action: "connected", id: "x.1", features: ["resume"], token: "0".repeat(32), resumeWindowMs: 10_000 }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanup.push(() => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const client = pumped(new Listener({ reconnectAttempts: 5, reconnectMaxDelayMs: 50 }));
    await client.connect("127.0.0.1", (server.address() as net.AddressInfo).port);
    await waitFor(() => firsts.length === 3 && client.of("error").length === 2, "three connections to the same address, two errors");
    expect(firsts).toEqual(["_hello", "_resume", "_resume"]);
    expect(client.of("error").map((e) => [e.code, String(e.message).replace(/ \(from [^)]*\)$/, "")])).toEqual([
      ["NOT_A_MESSAGE", '"_moved" names an address this client cannot use ("ws://127.0.0.1:1/" is not a TCP host:port): it reconnects to the same address'],
      ["NOT_A_MESSAGE", '"_moved" names an address this client cannot use ("http://127.0.0.1:1/" is not a TCP host:port): it reconnects to the same address'],
    ]);
  }, 30_000);
});
