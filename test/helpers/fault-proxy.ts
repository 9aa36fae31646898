/**
 * A TCP proxy that breaks connections on purpose. It forwards bytes between
 * clients and a server and, for each connection in order of arrival, can
 * apply one fault once exactly `afterBytes` bytes went one way:
 *
 * - `cut`: both sockets are destroyed there — in the middle of a frame as
 *   readily as between two — after those bytes are delivered;
 * - `stall`: nothing more goes either way and nothing is closed, as when a
 *   Wi-Fi link dies: only a heartbeat can tell.
 *
 * A connection can also be held one way (`holdNew`, `hold()`): what comes is
 * kept, in order, until `release()` — a slow link, to open a window in a
 * handshake at a chosen point (from the start, or from the server's first
 * bytes: what a client says once greeted).
 */
import net from "node:net";

export type Direction = "toServer" | "toClient";

export interface Fault {
  kind: "cut" | "stall";
  direction: Direction;
  /** Bytes forwarded in `direction` before the fault; 0 faults at the first byte. */
  afterBytes: number;
  /** Fault only on a chunk that goes past `afterBytes`: a chunk that ends exactly there is forwarded whole, and the fault waits for the next one. */
  past?: boolean;
}

/** How many of the first bytes each way a connection keeps, to find where a handshake ends. */
const HEAD_BYTES = 4096;

export class ProxiedConnection {
  readonly bytes: Record<Direction, number> = { toServer: 0, toClient: 0 };
  /** The first bytes forwarded each way (up to 4 KiB). */
  readonly head: Record<Direction, Buffer> = { toServer: Buffer.alloc(0), toClient: Buffer.alloc(0) };
  state: "open" | "faulted" | "closed" = "open";
  /** Directions to hold once the other direction carried its first bytes. */
  holdOnReply: readonly Direction[] = [];
  /** Bytes kept in a held direction, to be forwarded at `release()`. */
  private readonly held: Partial<Record<Direction, Buffer[]>> = {};

  constructor(
    private readonly client: net.Socket,
    private readonly server: net.Socket,
    /** The planned fault; a test may set it while the connection runs (e.g. to cut in the middle of the next frame). */
    public fault: Fault | undefined,
  ) {
    client.on("data", (chunk: Buffer) => this.forward(chunk, "toServer"));
    server.on("data", (chunk: Buffer) => this.forward(chunk, "toClient"));
    for (const [socket, other] of [
      [client, server],
      [server, client],
    ] as const) {
      socket.on("error", () => {});
      // A close travels on, except past a stall: a dead link carries no FIN either.
      socket.on("close", () => {
        if (this.state === "open") other.destroy();
        if (client.destroyed && server.destroyed) this.state = "closed";
      });
    }
  }

  /** True once the planned fault happened. */
  get faulted(): boolean {
    return this.state === "faulted" || (this.state === "closed" && this.fault !== undefined && this.reached);
  }

  private reached = false;

  /** Keeps what comes in `direction` from now on, until `release(direction)`. */
  hold(direction: Direction): void {
    this.held[direction] ??= [];
  }

  /** Forwards what was held in `direction`, in order, and stops holding. */
  release(direction: Direction): void {
    const chunks = this.held[direction];
    delete this.held[direction];
    for (const chunk of chunks ?? []) this.forward(chunk, direction);
  }

  /** Bytes held in `direction` so far. */
  heldBytes(direction: Direction): number {
    return (this.held[direction] ?? []).reduce((sum, chunk) => sum + chunk.length, 0);
  }

  private keep(chunk: Buffer, direction: Direction): void {
    const head = this.head[direction];
    if (head.length < HEAD_BYTES) this.head[direction] = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
  }

  private forward(chunk: Buffer, direction: Direction): void {
    if (this.state !== "open") return;
    if (this.bytes[direction] === 0) {
      for (const other of this.holdOnReply) if (other !== direction) this.hold(other);
    }
    const held = this.held[direction];
    if (held) {
      held.push(chunk);
      return;
    }
    const to = direction === "toServer" ? this.server : this.client;
    const fault = this.fault;
    if (fault === undefined || fault.direction !== direction || this.bytes[direction] + chunk.length < fault.afterBytes + (fault.past ? 1 : 0)) {
      this.bytes[direction] += chunk.length;
      this.keep(chunk, direction);
      to.write(chunk);
      return;
    }
    const keep = Math.max(0, fault.afterBytes - this.bytes[direction]);
    this.bytes[direction] += keep;
    this.keep(chunk.subarray(0, keep), direction);
    this.reached = true;
    this.state = "faulted";
    const apply = (): void => {
      if (fault.kind === "cut") this.destroy();
      else {
        this.client.pause();
        this.server.pause();
      }
    };
    if (keep > 0) to.write(chunk.subarray(0, keep), apply);
    else apply();
  }

  destroy(): void {
    this.client.destroy();
    this.server.destroy();
  }
}

export class FaultProxy {
  readonly connections: ProxiedConnection[] = [];
  /** The fault of each next connection, in order of arrival; connections past the list are left alone. */
  faults: Array<Fault | undefined> = [];
  /** Held from the start in each new connection (see `ProxiedConnection.hold`). */
  holdNew: Direction[] = [];
  /** Held in each new connection from its first bytes the other way (the client's answer to the greeting, say). */
  holdOnReply: Direction[] = [];

  private constructor(
    private readonly listener: net.Server,
    readonly port: number,
  ) {}

  /** Listens on 127.0.0.1 (a free port) and forwards to `targetPort`. */
  static start(targetPort: number, faults: Array<Fault | undefined> = []): Promise<FaultProxy> {
    let proxy: FaultProxy;
    const listener = net.createServer({ noDelay: true, pauseOnConnect: true }, (client) => {
      const fault = proxy.faults[proxy.connections.length];
      const server = net.connect({ host: "127.0.0.1", port: targetPort, noDelay: true }, () => client.resume());
      const connection = new ProxiedConnection(client, server, fault);
      for (const direction of proxy.holdNew) connection.hold(direction);
      connection.holdOnReply = proxy.holdOnReply;
      proxy.connections.push(connection);
    });
    return new Promise((resolve, reject) => {
      listener.once("error", reject);
      listener.listen(0, "127.0.0.1", () => {
        proxy = new FaultProxy(listener, (listener.address() as net.AddressInfo).port);
        proxy.faults = faults;
        resolve(proxy);
      });
    });
  }

  /** How many planned faults have happened. */
  get faulted(): number {
    return this.connections.filter((c) => c.faulted).length;
  }

  /** Cuts every open connection now. */
  cutAll(): void {
    for (const connection of this.connections) connection.destroy();
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.listener.close(() => resolve()));
  }
}
