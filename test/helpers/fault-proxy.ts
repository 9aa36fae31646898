/**
 * A TCP proxy that breaks connections on purpose. It forwards bytes between
 * clients and a server and, for each connection in order of arrival, can
 * apply one fault once exactly `afterBytes` bytes went one way:
 *
 * - `cut`: both sockets are destroyed there — in the middle of a frame as
 *   readily as between two — after those bytes are delivered;
 * - `stall`: nothing more goes either way and nothing is closed, as when a
 *   Wi-Fi link dies: only a heartbeat can tell.
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

  constructor(
    private readonly client: net.Socket,
    private readonly server: net.Socket,
    readonly fault: Fault | undefined,
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

  private keep(chunk: Buffer, direction: Direction): void {
    const head = this.head[direction];
    if (head.length < HEAD_BYTES) this.head[direction] = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
  }

  private forward(chunk: Buffer, direction: Direction): void {
    if (this.state !== "open") return;
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
      proxy.connections.push(new ProxiedConnection(client, server, fault));
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
