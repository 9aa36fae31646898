/**
 * The TCP transport: `node:net` sockets with TCP_NODELAY, length-prefixed
 * frames, and writes coalesced per tick.
 *
 * Coalescing: frames written during a tick wait in the transport's own list,
 * and one flush scheduled at the end of the tick hands each socket a single
 * buffer — no timers, no polling (repod polls its queue every 5 ms). One
 * frame is written as it is; several are copied into one buffer, which costs
 * far less than a `writev` of many small chunks through the stream's cork
 * machinery (a broadcast of 500 frames to 500 sockets takes about a quarter
 * of the CPU). Beyond {@link COPY_LIMIT} bytes copying stops paying and the
 * frames go out corked, in one `writev`.
 */
import net from "node:net";
import { RepodError } from "../errors.ts";
import { FrameDecoder, wholeFrames } from "../wire/frame-decoder.ts";
import type { Transport, TransportEvents } from "./transport.ts";
import { remoteOf } from "./transport.ts";

/** Above this many bytes in a tick, frames are written corked instead of copied into one buffer. */
const COPY_LIMIT = 64 * 1024;

/** Transports written to during this tick, flushed together at its end. */
let pending: TcpTransport[] = [];
let flushScheduled = false;

function flushPending(): void {
  const transports = pending;
  pending = [];
  flushScheduled = false;
  for (const transport of transports) transport.flush();
}

const noop = (): void => {};
const unbound: TransportEvents = { payload: noop, error: noop, closed: noop };

/**
 * The socket's listeners are shared by every connection: each finds its
 * transport on the socket (one property) instead of each connection making
 * its own closures.
 */
const TRANSPORT = Symbol("repod.tcp");
type Carrier = net.Socket & { [TRANSPORT]: TcpTransport };

function onData(this: Carrier, chunk: Buffer): void {
  this[TRANSPORT].received(chunk);
}
function onError(this: Carrier, error: NodeJS.ErrnoException): void {
  this[TRANSPORT].broke(error);
}
function onClose(this: Carrier): void {
  this[TRANSPORT].socketClosed();
}

/** A frame list that is never written to: `queued` when nothing waits, so an idle connection holds no array. */
const NONE: Uint8Array[] = [];

export class TcpTransport implements Transport {
  private events: TransportEvents = unbound;
  /** Made only while a frame is split across reads: whole frames are handed out straight from the chunk. */
  private decoder: FrameDecoder | null = null;
  /** Frames written during this tick, not yet handed to the socket. */
  private queued: Uint8Array[] = NONE;
  private queuedBytes = 0;
  private isClosed = false;
  private ending = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly maxFrameBytes: number,
  ) {
    // Read once now: Node keeps the peer's address on the socket, where it can still be read after the close.
    void socket.remoteAddress;
    socket.setNoDelay(true);
    (socket as Carrier)[TRANSPORT] = this;
    socket.on("data", onData);
    socket.on("error", onError);
    socket.on("close", onClose);
    // When the peer finishes sending, Node finishes ours (sockets are not half-open): no listener of ours needed.
  }

  get kind(): string {
    return "tcp";
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? "";
  }

  get remotePort(): number {
    return this.socket.remotePort ?? 0;
  }

  /** @internal a chunk from the socket. */
  received(chunk: Buffer): void {
    if (this.isClosed) return;
    try {
      let decoder = this.decoder;
      if (decoder === null) {
        const at = wholeFrames(chunk, 0, this.events, this.maxFrameBytes);
        if (at === chunk.length) return;
        decoder = this.decoder = new FrameDecoder(this.maxFrameBytes);
        decoder.push(chunk.subarray(at), this.events);
      } else {
        decoder.push(chunk, this.events);
      }
      if (!decoder.partial) this.decoder = null;
    } catch (error) {
      // Framing is lost (e.g. FRAME_TOO_LARGE): nothing after this can be trusted.
      this.fail(error instanceof RepodError ? error : new RepodError("DECODE_FAILED", String(error), { cause: error }));
    }
  }

  /** @internal the socket failed. */
  broke(error: NodeJS.ErrnoException): void {
    if (this.isClosed) return;
    this.events.error(new RepodError("CONNECT_FAILED", `connection to ${remoteOf(this)} broke: ${error.code ?? error.message}`, { cause: error }));
  }

  get isOpen(): boolean {
    return !this.isClosed && !this.ending && !this.socket.destroyed && !this.socket.writableEnded;
  }

  get bufferedBytes(): number {
    return this.socket.writableLength + this.queuedBytes;
  }

  bind(events: TransportEvents): void {
    this.events = events;
  }

  write(frame: Uint8Array): void {
    if (this.isClosed || this.ending || this.socket.destroyed || this.socket.writableEnded) return;
    if (this.queued === NONE) {
      this.queued = [];
      pending.push(this);
      if (!flushScheduled) {
        flushScheduled = true;
        process.nextTick(flushPending);
      }
    }
    this.queued.push(frame);
    this.queuedBytes += frame.length;
  }

  /** Hands the frames of this tick to the socket; called once at the end of the tick. */
  flush(): void {
    const frames = this.queued;
    const bytes = this.queuedBytes;
    if (frames.length === 0) return;
    this.queued = NONE;
    this.queuedBytes = 0;
    if (this.socket.destroyed || this.socket.writableEnded) return;
    if (frames.length === 1) this.socket.write(frames[0]!);
    else if (bytes <= COPY_LIMIT) this.socket.write(Buffer.concat(frames, bytes));
    else {
      this.socket.cork();
      for (const frame of frames) this.socket.write(frame);
      this.socket.uncork();
    }
  }

  end(): void {
    if (this.ending || this.isClosed) return;
    // What this tick wrote leaves first, then the end of the stream.
    this.flush();
    this.ending = true;
    this.socket.end();
    // The peer's end of the stream must be read, even from a client paused for its rate: then the socket closes.
    this.socket.resume();
  }

  destroy(): void {
    if (this.isClosed) return;
    this.queued = NONE;
    this.queuedBytes = 0;
    this.socket.destroy();
  }

  setReading(reading: boolean): void {
    if (reading) this.socket.resume();
    else this.socket.pause();
  }

  /** A fatal protocol error: report it, then drop the connection. */
  private fail(error: RepodError): void {
    this.events.error(error);
    this.socket.destroy();
  }

  /** @internal the socket closed. */
  socketClosed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.events.closed(this);
  }
}

/** A listening socket that hands each accepted connection to `accept`. */
export interface Acceptor {
  /** The address actually bound (the real port when 0 was asked). */
  readonly address: { host: string; port: number };
  /** Stops accepting; connections already accepted are not touched. */
  close(): Promise<void>;
}

/**
 * Listens for TCP connections on `host:port` (0 picks a free port) and calls
 * `accept` with a transport for each.
 */
export function listenTcp(host: string, port: number, maxFrameBytes: number, accept: (transport: Transport) => void): Promise<Acceptor> {
  const server = net.createServer({ noDelay: true }, (socket) => accept(new TcpTransport(socket, maxFrameBytes)));
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const bound = server.address() as net.AddressInfo;
      resolve({
        address: { host: bound.address, port: bound.port },
        // The listening socket closes at once; server.close()'s callback would
        // wait for every accepted connection, which the Server ends itself.
        close: async () => void server.close(),
      });
    });
  });
}

/**
 * Opens a TCP connection to `host:port`. Resolves with the transport once
 * connected; rejects with CONNECT_FAILED when the connection is refused or
 * times out.
 */
export function connectTcp(host: string, port: number, maxFrameBytes: number, timeoutMs: number): Promise<TcpTransport> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new RepodError("CONNECT_FAILED", `could not connect to ${host}:${port}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.off("error", onError);
      resolve(new TcpTransport(socket, maxFrameBytes));
    });
    const onError = (error: NodeJS.ErrnoException): void => {
      clearTimeout(timer);
      reject(new RepodError("CONNECT_FAILED", `could not connect to ${host}:${port}: ${error.code ?? error.message}`, { cause: error }));
    };
    socket.once("error", onError);
  });
}
