/**
 * A bare wire-level peer for tests: a TCP socket that writes raw bytes or
 * frames and collects every frame it receives, decoded. It never sends a
 * control frame, like a Python repod peer.
 */
import net from "node:net";
import { decodePayload, encodeFrame } from "../../runtime/wire/codec.ts";
import { FrameDecoder } from "../../runtime/wire/frame-decoder.ts";
import { RecordingPeer } from "./recording-peer.ts";

export class RawPeer extends RecordingPeer {
  chunks = 0;
  private readonly decoder = new FrameDecoder(64 * 1024 * 1024);

  private constructor(readonly socket: net.Socket) {
    super();
    socket.setNoDelay(true);
    socket.on("data", (chunk) => {
      this.chunks++;
      this.decoder.push(chunk, (source, start, end) => this.received.push(decodePayload(source, start, end) as Record<string, unknown>));
    });
    socket.on("close", () => (this.closed = true));
    socket.on("error", () => {});
  }

  static connect(port: number, host = "127.0.0.1"): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port }, () => resolve(new RawPeer(socket)));
      socket.once("error", reject);
    });
  }

  /** Sends a message as a proper frame. */
  send(message: Record<string, unknown> & { action: string }): void {
    this.socket.write(encodeFrame(message));
  }

  /** Sends raw bytes, for bad input. */
  write(bytes: Uint8Array | number[]): void {
    this.socket.write(Uint8Array.from(bytes));
  }

  /** Sends a payload with a correct length prefix. */
  writePayload(payload: Uint8Array | number[]): void {
    const body = Uint8Array.from(payload);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(body.length);
    this.socket.write(Buffer.concat([header, body]));
  }

  override close(): void {
    this.socket.destroy();
  }
}
