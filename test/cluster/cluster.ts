/**
 * A cluster for a test or a benchmark in one call: a redis-server, N server
 * processes of one script sharing it, and the test load balancer in front
 * of them. Each server has a slot; a slot's server can be stopped (taken
 * out of the balancer first, then SIGTERM: a planned stop), killed
 * (SIGKILL: a crash) and started again (a new process on a new port, put
 * back in the balancer) — the steps of a rolling deploy.
 *
 * ```ts
 * afterAll(stopAll);
 * const cluster = await startCluster({ script: "test/cluster/fixtures/server.ts", args: (redis) => ["--port", "0", "--redis", redis] });
 * const fleet = await startFleet({ clients: 200, peer: chatPeer({ port: cluster.lb.port }) });
 * for (let i = 0; i < cluster.size; i++) {
 *   expect(await cluster.stop(i)).toBe(0);
 *   await cluster.start(i);
 * }
 * await cluster.close();
 * ```
 */
import { type LoadBalancer, startLoadBalancer } from "./load-balancer.ts";
import { type RedisProcess, type ServerProcess, type StartServerOptions, startRedis, startServer } from "./processes.ts";

export interface ClusterOptions {
  /** The server script (a path from the repository root; see `startServer`). */
  script: string;
  /** Its arguments, given the Redis URL and the slot (called at every start). @default (redis) => ["--port", "0", "--redis", redis] */
  args?: (redisUrl: string, slot: number) => string[];
  /** How many servers. @default 3 */
  servers?: number;
  /** Options of every `startServer`. */
  serverOptions?: StartServerOptions;
}

export interface Cluster {
  readonly redis: RedisProcess;
  readonly lb: LoadBalancer;
  /** How many slots. */
  readonly size: number;
  /** The server in slot `i`, or undefined while it is down. */
  server(i: number): ServerProcess | undefined;
  /** Client connections the balancer has open to slot `i`'s server now. */
  clientsOn(i: number): number;
  /** Takes slot `i` out of the balancer, then stops its server (SIGTERM); resolves with its exit code. */
  stop(i: number): Promise<number>;
  /** Takes slot `i` out of the balancer and kills its server (SIGKILL). */
  kill(i: number): Promise<void>;
  /** Starts slot `i`'s server again (a new process on a new port) and puts it in the balancer. */
  start(i: number): Promise<ServerProcess>;
  /** Closes the balancer, kills every server (SIGKILL) and stops Redis. */
  close(): Promise<void>;
}

/** Starts Redis, `servers` servers (in parallel) and the balancer. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const size = options.servers ?? 3;
  const args = options.args ?? ((redis: string) => ["--port", "0", "--redis", redis]);
  const redis = await startRedis();
  const slots: Array<ServerProcess | undefined> = new Array(size).fill(undefined);
  const launch = async (i: number): Promise<ServerProcess> => {
    if (slots[i] && !slots[i]!.exited) throw new Error(`slot ${i} is running already`);
    const server = await startServer(options.script, args(redis.url, i), options.serverOptions);
    slots[i] = server;
    return server;
  };
  const lb = await startLoadBalancer({ backends: () => slots.flatMap((s) => (s ? [{ host: "127.0.0.1", port: s.port }] : [])) });
  try {
    await Promise.all(slots.map((_, i) => launch(i)));
  } catch (error) {
    await lb.close();
    await Promise.all(slots.map((s) => s?.kill()));
    await redis.close();
    throw error;
  }
  const take = (i: number): ServerProcess => {
    const server = slots[i];
    if (!server) throw new Error(`slot ${i} has no server running`);
    slots[i] = undefined;
    return server;
  };
  return {
    redis,
    lb,
    size,
    server: (i) => slots[i],
    clientsOn(i) {
      const server = slots[i];
      return server ? (lb.connectionsByBackend()[`127.0.0.1:${server.port}`] ?? 0) : 0;
    },
    stop: (i) => take(i).stop(),
    kill: (i) => take(i).kill(),
    start: launch,
    async close() {
      await lb.close();
      await Promise.all(slots.map((s) => s?.kill()));
      slots.fill(undefined);
      await redis.close();
    },
  };
}
