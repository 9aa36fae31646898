/**
 * A client that speaks only the wire format (4-byte big-endian length +
 * msgpack map), written without the runtime so that the load generator
 * measures any server the same way and costs as little as possible.
 */
import net from "node:net";
import { Packr, Unpackr } from "msgpackr";

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

export interface WireMessage {
  action: string;
  [field: string]: unknown;
}

/** One frame: length prefix + msgpack payload. */
export function frame(message: WireMessage): Buffer {
  const body = packr.pack(message);
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}

/** Many frames in one buffer, for writing as fast as the socket takes them. */
export function frames(messages: Iterable<WireMessage>): Buffer {
  const parts: Buffer[] = [];
  for (const message of messages) parts.push(frame(message));
  return Buffer.concat(parts);
}

/** Decodes one payload. */
export function decode(payload: Uint8Array): WireMessage {
  return unpackr.unpack(payload) as WireMessage;
}

export class WireClient {
  /** Called for every message; the default queues it for `next()`. */
  onMessage: (message: WireMessage) => void = (message) => this.queue(message);
  /**
   * When set, called with each payload's bytes instead of decoding it: for
   * counting deliveries at a cost well below the server's.
   */
  onPayload: ((payload: Buffer) => void) | null = null;
  closed = false;
  private pending: Buffer | null = null;
  private readonly inbox: WireMessage[] = [];
  private waiter: ((message: WireMessage) => void) | null = null;
  private failure: Error | null = null;

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.feed(chunk));
    socket.on("error", (error) => (this.failure = error));
    socket.on("close", () => (this.closed = true));
  }

  static connect(host: string, port: number): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port, noDelay: true }, () => {
        socket.off("error", reject);
        resolve(new WireClient(socket));
      });
      socket.once("error", reject);
    });
  }

  /** Writes bytes; resolves when the socket can take more (backpressure). */
  async write(bytes: Buffer): Promise<void> {
    if (!this.socket.write(bytes)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = (): void => {
          this.socket.off("close", onClose);
          resolve();
        };
        const onClose = (): void => {
          this.socket.off("drain", onDrain);
          reject(this.failure ?? new Error("connection closed while writing"));
        };
        this.socket.once("drain", onDrain);
        this.socket.once("close", onClose);
      });
    }
  }

  /** The next message, waiting at most `timeoutMs`. */
  next(timeoutMs = 10_000): Promise<WireMessage> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`no message within ${timeoutMs} ms${this.closed ? " (connection closed)" : ""}`));
      }, timeoutMs);
      this.waiter = (message) => {
        clearTimeout(timer);
        resolve(message);
      };
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private queue(message: WireMessage): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = null;
      waiter(message);
    } else this.inbox.push(message);
  }

  private feed(chunk: Buffer): void {
    const buffer = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    let offset = 0;
    while (buffer.length - offset >= 4) {
      const length = buffer.readUInt32BE(offset);
      if (buffer.length - offset - 4 < length) break;
      const payload = buffer.subarray(offset + 4, offset + 4 + length);
      offset += 4 + length;
      if (this.onPayload) this.onPayload(payload);
      else this.onMessage(unpackr.unpack(payload) as WireMessage);
    }
    this.pending = offset < buffer.length ? buffer.subarray(offset) : null;
  }
}

/** Opens `count` connections, `batch` at a time, and waits for each one's greeting. */
export async function connectMany(host: string, port: number, count: number, batch = 100): Promise<WireClient[]> {
  const clients: WireClient[] = [];
  for (let i = 0; i < count; i += batch) {
    const opened = await Promise.all(
      Array.from({ length: Math.min(batch, count - i) }, async () => {
        const client = await WireClient.connect(host, port);
        const greeting = await client.next();
        if (greeting.action !== "connected") throw new Error(`expected the "connected" greeting, got "${greeting.action}"`);
        return client;
      }),
    );
    clients.push(...opened);
  }
  return clients;
}
