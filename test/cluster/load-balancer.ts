/**
 * A small TCP load balancer for tests of a cluster: what sits in front of
 * the servers in production (HAProxy, an L4 cloud balancer), reduced to what
 * a deploy or a crash needs. It listens on 127.0.0.1 (a free port) and hands
 * each new connection to the next backend in round-robin order; a backend
 * that refuses (a stopped or killed server) is skipped for the one after it,
 * so the clients of a server that went away land on another. Bytes are
 * piped both ways untouched — TCP or WebSocket alike — and an end on one
 * side ends the other: a server that closes (or dies) closes its clients'
 * connections, and a client that leaves closes its backend connection.
 *
 * ```ts
 * const lb = await startLoadBalancer({ backends: () => servers.map((s) => ({ host: "127.0.0.1", port: s.port })) });
 * await client.connect("127.0.0.1", lb.port);
 * lb.cutAll(); // a network break for every client: they reconnect through lb
 * await lb.close();
 * ```
 */
import net from "node:net";

/** Where the balancer may send a connection. */
export interface Backend {
  host: string;
  port: number;
}

export interface LoadBalancerOptions {
  /**
   * The backends, asked at every new connection (so a test can add and
   * remove servers as it starts and stops them). The order is the
   * round-robin order.
   */
  backends: () => readonly Backend[];
  /** How long one backend may take to accept before it is skipped like a refusing one. @default 5000 */
  connectTimeoutMs?: number;
}

export interface LoadBalancer {
  /** The port it listens on, on 127.0.0.1. */
  readonly port: number;
  /** Stops listening and destroys every connection; resolves once the listener is closed. */
  close(): Promise<void>;
  /** Client connections open now (accepted and not yet closed). */
  connections(): number;
  /** Open connections per backend (`host:port`), for a test to see where clients are. */
  connectionsByBackend(): Record<string, number>;
  /** Client connections refused because no backend accepted, since the start. */
  refused(): number;
  /** Destroys every open connection on both sides at once, as a network break would (no FIN reaches either side first). */
  cutAll(): void;
}

interface Pair {
  client: net.Socket;
  backend: net.Socket | undefined;
  key: string | undefined;
}

/** Starts a balancer on 127.0.0.1, port 0. */
export async function startLoadBalancer(options: LoadBalancerOptions): Promise<LoadBalancer> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  const pairs = new Set<Pair>();
  let next = 0;
  let refused = 0;

  const end = (pair: Pair): void => {
    pair.client.destroy();
    pair.backend?.destroy();
    pairs.delete(pair);
  };

  /** Tries the backends from the next in turn; each is tried at most once for this connection. */
  const dial = (pair: Pair): void => {
    const list = options.backends();
    const start = next++;
    let attempt = 0;
    const tryNext = (): void => {
      if (pair.client.destroyed) return end(pair);
      if (attempt >= list.length) {
        refused++;
        return end(pair);
      }
      const target = list[(start + attempt++) % list.length]!;
      const backend = net.connect({ host: target.host, port: target.port, noDelay: true });
      const timer = setTimeout(() => backend.destroy(new Error("connect timeout")), connectTimeoutMs);
      const failed = (): void => {
        clearTimeout(timer);
        backend.destroy();
        tryNext();
      };
      backend.once("error", failed);
      backend.once("connect", () => {
        clearTimeout(timer);
        backend.off("error", failed);
        if (pair.client.destroyed) {
          backend.destroy();
          return end(pair);
        }
        pair.backend = backend;
        pair.key = `${target.host}:${target.port}`;
        join(pair, pair.client, backend);
      });
    };
    tryNext();
  };

  const listener = net.createServer({ noDelay: true, pauseOnConnect: true }, (client) => {
    const pair: Pair = { client, backend: undefined, key: undefined };
    pairs.add(pair);
    // Until a backend is chosen, a client that goes away needs nothing but forgetting.
    client.on("error", () => end(pair));
    client.on("close", () => {
      if (!pair.backend) end(pair);
    });
    dial(pair);
  });

  const join = (pair: Pair, client: net.Socket, backend: net.Socket): void => {
    backend.setNoDelay(true);
    client.pipe(backend);
    backend.pipe(client);
    // An error (a reset) on either side is a break: the other side is destroyed too.
    // A clean end travels on through pipe(); once one side is closed the other is ended
    // (its pending bytes are still written), so neither lingers.
    for (const [socket, other] of [
      [client, backend],
      [backend, client],
    ] as const) {
      socket.on("error", () => end(pair));
      socket.on("close", () => {
        if (!other.destroyed && !other.writableEnded) other.end();
        if (client.destroyed && backend.destroyed) pairs.delete(pair);
      });
    }
    client.resume();
  };

  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (listener.address() as net.AddressInfo).port;

  return {
    port,
    connections: () => [...pairs].filter((pair) => !pair.client.destroyed).length,
    connectionsByBackend() {
      const counts: Record<string, number> = {};
      for (const pair of pairs) if (pair.key && !pair.client.destroyed) counts[pair.key] = (counts[pair.key] ?? 0) + 1;
      return counts;
    },
    refused: () => refused,
    cutAll() {
      for (const pair of [...pairs]) {
        // resetAndDestroy sends RST: neither side sees a clean end, as when a link dies.
        pair.client.resetAndDestroy();
        pair.backend?.resetAndDestroy();
        pairs.delete(pair);
      }
    },
    close() {
      for (const pair of [...pairs]) end(pair);
      return new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}
