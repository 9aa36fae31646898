/**
 * Fanout across processes through Redis, beside fanout in one process.
 *
 *   npx tsx --conditions=repod-source bench/redis-fanout.ts [--clients 600] [--messages 1000] [--rounds 3]
 *
 * Each scenario starts real server processes (test/helpers/scale-node.ts)
 * and the same number of clients in total, spread evenly over them, in this
 * process. One client asks its server for a burst of `messages` sendToAll;
 * the benchmark times until every client has every message and prints
 * deliveries per second (clients × messages / time), and how many were lost
 * or duplicated (both must be 0). Needs `redis-server` on the PATH.
 *
 * Scenarios:
 *   local  1 process,  LocalAdapter   (the single-process baseline)
 *   redis  1 process,  RedisAdapter   (what the adapter costs when alone)
 *   redis  3 processes, RedisAdapter  (the origin writes its share, Redis carries the rest)
 */
import net from "node:net";
import { parseArgs } from "node:util";
import { encodeFrame } from "../runtime/wire/codec.ts";
import { RedisServer } from "../test/helpers/redis-server.ts";
import { type ScaleNode, startNode } from "../test/helpers/scale-cluster.ts";

const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "600" },
    messages: { type: "string", default: "1000" },
    rounds: { type: "string", default: "3" },
    json: { type: "boolean", default: false },
  },
});
const CLIENTS = Number(values.clients);
const MESSAGES = Number(values.messages);
const ROUNDS = Number(values.rounds);

/** A client that only counts frames (no decoding): the benchmark measures the servers, not this process. */
class CountingClient {
  frames = 0;
  private pending: Buffer = Buffer.alloc(0);
  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      const buffer: Buffer = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
      let at = 0;
      while (buffer.length - at >= 4) {
        const size = buffer.readUInt32BE(at);
        if (buffer.length - at - 4 < size) break;
        at += 4 + size;
        this.frames++;
      }
      this.pending = buffer.subarray(at);
    });
    socket.on("error", () => {});
  }
  static connect(port: number): Promise<CountingClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: "127.0.0.1", port }, () => resolve(new CountingClient(socket)));
      socket.once("error", reject);
    });
  }
}

/** `--json`: one JSON line per scenario, for `npm run bench`. */
const JSON_OUTPUT = values.json;

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return true;
}

async function scenario(name: string, nodes: ScaleNode[]): Promise<void> {
  const clients: CountingClient[] = [];
  for (let i = 0; i < CLIENTS; i++) clients.push(await CountingClient.connect(nodes[i % nodes.length]!.port));
  const total = (): number => clients.reduce((sum, c) => sum + c.frames, 0);
  await until(() => clients.every((c) => c.frames >= 1), 10_000); // greetings
  // Presence writes settle before timing (they share the Redis connection).
  await new Promise((resolve) => setTimeout(resolve, 300));
  const results: Array<{ rate: number; lost: number; extra: number }> = [];
  for (let round = -1; round < ROUNDS; round++) {
    // round -1 warms up, uncounted
    const before = clients.map((c) => c.frames);
    const expected = CLIENTS * MESSAGES;
    const got = (): number => total() - before.reduce((a, b) => a + b, 0);
    const start = process.hrtime.bigint();
    clients[0]!.socket.write(encodeFrame({ action: "burst", count: MESSAGES }));
    await until(() => got() >= expected, 30_000);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    await new Promise((resolve) => setTimeout(resolve, 200)); // late duplicates would show here
    const per = clients.map((c, i) => c.frames - before[i]!);
    const lost = per.reduce((sum, n) => sum + Math.max(0, MESSAGES - n), 0);
    const extra = per.reduce((sum, n) => sum + Math.max(0, n - MESSAGES), 0);
    if (round >= 0) results.push({ rate: expected / seconds, lost, extra });
  }
  for (const c of clients) c.socket.destroy();
  const best = Math.max(...results.map((r) => r.rate));
  const lost = results.reduce((sum, r) => sum + r.lost, 0);
  const extra = results.reduce((sum, r) => sum + r.extra, 0);
  if (JSON_OUTPUT) {
    console.log(
      JSON.stringify({
        bench: "redis-fanout",
        scenario: name,
        processes: nodes.length,
        clients: CLIENTS,
        deliveriesPerSecond: Math.round(best),
        lost,
        duplicated: extra,
      }),
    );
    return;
  }
  console.log(
    `${name.padEnd(28)} ${String(nodes.length).padStart(9)} ${String(CLIENTS / nodes.length).padStart(12)} ${Math.round(best).toLocaleString("en-US").padStart(14)} ${String(lost).padStart(6)} ${String(extra).padStart(10)}`,
  );
}

const redis = await RedisServer.start();
const running: ScaleNode[] = [];
try {
  if (!JSON_OUTPUT) console.log(`fanout: ${CLIENTS} clients, bursts of ${MESSAGES} sendToAll, best of ${ROUNDS} rounds (node ${process.version})`);
  if (!JSON_OUTPUT)
    console.log(
      `${"scenario".padEnd(28)} ${"processes".padStart(9)} ${"clients/proc".padStart(12)} ${"deliveries/s".padStart(14)} ${"lost".padStart(6)} ${"duplicated".padStart(10)}`,
    );
  const local = [await startNode("local", "bench")];
  running.push(...local);
  await scenario("single process, LocalAdapter", local);
  await local[0]!.kill("SIGTERM");
  const alone = [await startNode(redis.url, "bench-1", 1000)];
  running.push(...alone);
  await scenario("single process, RedisAdapter", alone);
  await alone[0]!.kill("SIGTERM");
  const three = await Promise.all([0, 1, 2].map(() => startNode(redis.url, "bench-3", 1000)));
  running.push(...three);
  await scenario("3 processes, RedisAdapter", three);
} finally {
  await Promise.all(running.map((node) => node.kill("SIGKILL")));
  await redis.stop();
}
