/**
 * A bare WebSocket peer for tests: sends raw binary or text messages and
 * collects every message it receives, decoded. It never sends a control
 * frame, like RawPeer over TCP.
 */
import { WebSocket } from "ws";
import { decodePayload, encodeFrame, payloadOf } from "../../runtime/wire/codec.ts";
import { RecordingPeer } from "./recording-peer.ts";

export class RawWsPeer extends RecordingPeer {
  closeCode = 0;

  private constructor(readonly ws: WebSocket) {
    super();
    ws.on("message", (data: Buffer, isBinary) => {
      this.received.push(isBinary ? (decodePayload(data) as Record<string, unknown>) : { text: data.toString() });
    });
    ws.on("close", (code) => {
      this.closed = true;
      this.closeCode = code;
    });
    ws.on("error", () => {});
  }

  static connect(url: string): Promise<RawWsPeer> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      // Listening from the start: the greeting may come with the handshake's answer.
      const peer = new RawWsPeer(ws);
      ws.once("open", () => resolve(peer));
      ws.once("error", reject);
    });
  }

  /** Sends a message as one binary WebSocket message. */
  send(message: Record<string, unknown> & { action: string }): void {
    this.ws.send(payloadOf(encodeFrame(message)));
  }

  /** Sends a raw binary message, for bad input. */
  sendBinary(bytes: Uint8Array | number[]): void {
    this.ws.send(Uint8Array.from(bytes));
  }

  /** Sends a text message. */
  sendText(text: string): void {
    this.ws.send(text);
  }

  override close(): void {
    this.ws.terminate();
  }
}
