/**
 * A client of an older version of the protocol moves with its session, as
 * in a rolling upgrade: a client of version 1 (test/compat/v1) starts on a
 * server of version 1; that server stops, and the session moves to a server
 * of version 2 (test/compat/v2), which judges the client's version by the
 * schema the cluster keeps; that one stops too, and the session moves to
 * another of version 2. No fresh start; each server of version 2 withholds
 * what version 1 cannot read.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AnyMessage } from "../../runtime/index.ts";
import { RedisAdapter } from "../../runtime/redis.ts";
import * as v1 from "../compat/v1/game.ts";
import * as v2 from "../compat/v2/game.ts";
import { RedisServer } from "../helpers/redis-server.ts";
import { waitFor } from "../helpers/wait.ts";
import { type Backend, startLoadBalancer } from "./load-balancer.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

class PlayerV2 extends v2.GameChannel {
  readonly got: AnyMessage[] = [];
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
  Request_seat(): v2.GameClientReplies["seat"] {
    return { seat: 7 };
  }
}

class ClientV1 extends v1.GameListener {
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
  Network_welcome(data: AnyMessage): void {
    this.log.push(data);
  }
  Network_moved(data: AnyMessage): void {
    this.log.push(data);
  }
  Network_said(data: AnyMessage): void {
    this.log.push(data);
  }
  of(action: string): AnyMessage[] {
    return this.log.filter((m) => m.action === action);
  }
}

class PlayerV1 extends v1.GameChannel {
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

async function startV1(url: string): Promise<v1.GameServer<PlayerV1>> {
  const server = new v1.GameServer({ channelClass: PlayerV1, port: 0, adapter: new RedisAdapter({ url, sessions: true }) });
  await server.start();
  cleanup.push(() => server.stop());
  return server;
}

async function startV2(url: string): Promise<v2.GameServer<PlayerV2>> {
  const server = new v2.GameServer({ channelClass: PlayerV2, port: 0, adapter: new RedisAdapter({ url, sessions: true }) });
  await server.start();
  cleanup.push(() => server.stop());
  return server;
}

describe("cluster sessions with a client of another version of the protocol", () => {
  it("moves a v1 client's session from a v1 server to a v2 server, then to another v2 server; each v2 server withholds what v1 cannot read", async () => {
    const redis = await RedisServer.start();
    cleanup.push(() => redis.stop());
    const a = await startV1(redis.url);
    const b = await startV2(redis.url);
    let backends: Backend[] = [{ host: "127.0.0.1", port: a.address.port }];
    const lb = await startLoadBalancer({ backends: () => backends });
    cleanup.push(() => lb.close());
    const client = new ClientV1();
    const timer = setInterval(() => client.pump(), 2);
    cleanup.push(() => {
      client.close();
      clearInterval(timer);
    });
    await client.connect("127.0.0.1", lb.port);
    await waitFor(() => client.of("connected").length === 1, "connected");
    client.send({ action: "join", name: "old" });
    await waitFor(() => [...a.channels].some((c) => c.got.length === 1), "the join on the first server");
    const id = [...a.channels][0]!.id;

    // The first server stops: the session moves to the second, of the next version.
    backends = [{ host: "127.0.0.1", port: b.address.port }];
    await a.stop();
    await waitFor(() => client.of("reconnected").length === 1 || client.of("error").length > 0, "resumed on the second server");
    expect(client.of("error")).toEqual([]);
    const onB = [...b.channels].find((c) => c.id === id)!;
    expect(onB.supports("emoted")).toBe(false);
    b.sendToAll({ action: "emoted", name: "new", emote: "wave" });
    b.sendToAll({ action: "moved", name: "new", x: 1, y: 2 });
    client.send({ action: "chat", text: "on b" });
    await waitFor(() => client.of("moved").length === 1 && onB.got.length === 1, "a line each way on the second server");

    // The second server stops too: the session moves to a third.
    const c = await startV2(redis.url);
    backends = [{ host: "127.0.0.1", port: c.address.port }];
    await b.stop();
    await waitFor(() => client.of("reconnected").length === 2 || client.of("error").length > 0, "resumed on the third server");
    expect(client.of("error")).toEqual([]);
    const onC = [...c.channels].find((ch) => ch.id === id)!;
    expect(onC.supports("emoted")).toBe(false);
    c.sendToAll({ action: "emoted", name: "new", emote: "laugh" });
    c.sendToAll({ action: "said", name: "server", text: "still here" });
    client.send({ action: "move", dir: "up" });
    await waitFor(() => client.of("said").length === 1 && onC.got.length === 1, "a line each way on the third server");
    expect(onC.got).toEqual([{ action: "move", dir: "up" }]);
    expect(client.log.map((m) => m.action)).toEqual(["connected", "reconnected", "moved", "reconnected", "said"]);
  }, 60_000);
});
