/**
 * A server that starts while Redis is down makes its session tokens with a
 * key of its own: no other server could check them. Once Redis is back it
 * reads the cluster's key: sessions made from then on get cluster tokens,
 * and one made before is re-keyed at its next resume — then it moves to
 * another server on a planned stop like any other.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AnyMessage } from "../../runtime/index.ts";
import { RedisAdapter } from "../../runtime/redis.ts";
import * as v1 from "../compat/v1/game.ts";
import { freePort, RedisServer } from "../helpers/redis-server.ts";
import { waitFor } from "../helpers/wait.ts";
import { type Backend, startLoadBalancer } from "./load-balancer.ts";

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

class Client extends v1.GameListener {
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

async function serve(url: string): Promise<{ server: v1.GameServer<Player>; adapter: RedisAdapter }> {
  const adapter = new RedisAdapter({ url, sessions: true, connectTimeoutMs: 200 });
  const server = new v1.GameServer({ channelClass: Player, port: 0, adapter });
  server.onError = () => {}; // ADAPTER_FAILED while Redis is down
  await server.start();
  cleanup.push(() => server.stop());
  return { server, adapter };
}

async function connect(port: number): Promise<Client> {
  const client = new Client();
  const timer = setInterval(() => client.pump(), 2);
  cleanup.push(() => {
    client.close();
    clearInterval(timer);
  });
  await client.connect("127.0.0.1", port);
  await waitFor(() => client.of("connected").length === 1, "connected");
  return client;
}

describe("cluster sessions on a server that started while Redis was down", () => {
  it("reads the cluster's token key once Redis is back: sessions made before are re-keyed at their next resume, and all move on a stop", async () => {
    const redisPort = await freePort();
    const url = `redis://127.0.0.1:${redisPort}`;
    const { server: a, adapter } = await serve(url);
    let backends: Backend[] = [{ host: "127.0.0.1", port: a.address.port }];
    const lb = await startLoadBalancer({ backends: () => backends });
    cleanup.push(() => lb.close());
    const early = await connect(lb.port); // its token is made with a's own key

    const redis = RedisServer.at(redisPort);
    await redis.restart();
    cleanup.push(() => redis.stop());
    await waitFor(() => adapter.sessions!.tokenKey.length > 0, "the cluster's key read");
    const { server: b } = await serve(url);
    const late = await connect(lb.port);
    for (const [client, name] of [
      [early, "early"],
      [late, "late"],
    ] as const)
      client.send({ action: "join", name });
    await waitFor(() => [...a.channels].filter((c) => c.got.length === 1).length === 2, "both joins on a");

    // Both connections break; both resume on a (the early session gets a cluster token there).
    lb.cutAll();
    await waitFor(() => early.of("reconnected").length === 1 && late.of("reconnected").length === 1, "both resumed on a");

    // a stops: both sessions move to b.
    backends = [{ host: "127.0.0.1", port: b.address.port }];
    await a.stop();
    await waitFor(() => early.of("reconnected").length === 2 && late.of("reconnected").length === 2, "both moved to b");
    for (const client of [early, late]) {
      expect(client.of("error")).toEqual([]);
      expect(client.of("connected")).toHaveLength(1);
    }
    b.sendToAll({ action: "said", name: "b", text: "here" });
    await waitFor(() => early.of("said").length === 1 && late.of("said").length === 1, "a line from b");
  }, 60_000);

  it("does not hand over a session whose token is still local: it ends as in any stop", async () => {
    const redisPort = await freePort();
    const url = `redis://127.0.0.1:${redisPort}`;
    const { server: a, adapter } = await serve(url);
    let backends: Backend[] = [{ host: "127.0.0.1", port: a.address.port }];
    const lb = await startLoadBalancer({ backends: () => backends });
    cleanup.push(() => lb.close());
    const early = await connect(lb.port);
    const redis = RedisServer.at(redisPort);
    await redis.restart();
    cleanup.push(() => redis.stop());
    await waitFor(() => adapter.sessions!.tokenKey.length > 0, "the cluster's key read");
    const { server: b } = await serve(url);
    backends = [{ host: "127.0.0.1", port: b.address.port }];
    await a.stop();
    // Not handed over: no `_moved`, the server said goodbye; the client does not come back as the same session.
    await waitFor(() => early.of("disconnected").length === 1 || early.of("connected").length === 2, "the end of the session");
    expect(early.log.map((m) => m.action)).toEqual(["connected", "disconnected"]);
  }, 60_000);
});
