/** The Redis adapter in one process: start-up without Redis, clean stop, across servers. */
import { afterEach, describe, expect, it } from "vitest";
import { type LogEvent, type RepodError, Server } from "../../runtime/index.ts";
import { RedisAdapter } from "../../runtime/redis.ts";
import { RawPeer } from "../helpers/raw-peer.ts";
import { freePort, RedisServer } from "../helpers/redis-server.ts";
import { sleep, waitFor } from "../helpers/wait.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

class Recording extends Server {
  readonly errors: RepodError[] = [];
  readonly events: LogEvent[] = [];
  constructor(adapter: RedisAdapter) {
    super({ port: 0, adapter, logger: (event) => void this.events.push(event) });
  }
  override onError(error: RepodError): void {
    this.errors.push(error);
  }
}

async function serve(url: string, options: { connectTimeoutMs?: number } = {}): Promise<Recording> {
  const server = new Recording(new RedisAdapter({ url, prefix: "adapter-test", heartbeatMs: 100, ...options }));
  await server.start();
  cleanup.push(() => server.stop());
  return server;
}

async function peer(server: Server): Promise<RawPeer> {
  const p = await RawPeer.connect(server.address.port);
  cleanup.push(() => p.close());
  await p.waitFor(1, "the greeting");
  return p;
}

describe("RedisAdapter", () => {
  it("starts without Redis (ADAPTER_FAILED once, local delivery goes on) and joins when Redis comes up", async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const server = await serve(url, { connectTimeoutMs: 200 });
    expect(server.errors.map((e) => e.code)).toEqual(["ADAPTER_FAILED"]);
    expect(server.errors[0]!.message).toContain(url);
    const local = await peer(server);
    for (let n = 0; n < 3; n++) server.sendToAll({ action: "hit", n });
    await local.waitFor(4);
    await expect(server.count()).rejects.toMatchObject({ code: "ADAPTER_FAILED" });
    await sleep(300); // reconnect attempts fail meanwhile: still one report
    expect(server.errors).toHaveLength(1);

    const redis = RedisServer.at(port);
    await redis.restart();
    cleanup.push(() => redis.stop());
    await waitFor(() => server.events.some((e) => e.event === "adapter-recovered"), "the adapter to recover");
    expect(server.events.find((e) => e.event === "adapter-recovered")!.unsent).toBe(3);
    expect(await server.count()).toBe(1);
    const other = await serve(url);
    const remote = await peer(other);
    server.sendToAll({ action: "hit", n: 9 });
    await remote.waitFor(2);
    expect(remote.received[1]).toEqual({ action: "hit", n: 9 });
  });

  it("two servers in one process share sends and presence; a clean stop leaves presence at once", async () => {
    const redis = await RedisServer.start();
    cleanup.push(() => redis.stop());
    const [a, b] = [await serve(redis.url), await serve(redis.url)];
    const pa = await peer(a);
    const pb = await peer(b);
    b.sendTo(String(pa.received[0]!.id), { action: "to", n: 1 });
    a.sendToAll({ action: "all", n: 2 }, { except: String(pa.received[0]!.id) });
    await pa.waitFor(2);
    await pb.waitFor(2);
    expect(pa.received.slice(1)).toEqual([{ action: "to", n: 1 }]);
    expect(pb.received.slice(1)).toEqual([{ action: "all", n: 2 }]);
    expect(await a.count()).toBe(2);
    await b.stop();
    expect(await a.count()).toBe(1); // no wait for the TTL: b said goodbye
    expect(a.errors).toEqual([]);
  });
});
