/**
 * The frame decoder: a small state machine fed with chunks of a byte stream,
 * giving back each frame's payload. It knows nothing of sockets, so it is
 * tested synchronously against every way of splitting a stream.
 *
 * A frame is a 4-byte big-endian length N followed by N bytes. The length is
 * checked against `maxFrameBytes` as soon as its 4 bytes are in, before any
 * byte of the body is buffered: a peer announcing 4 GiB costs nothing.
 *
 * Payloads that arrive whole inside one chunk are handed out as views of that
 * chunk (no copy); a payload split across chunks is gathered into one buffer
 * allocated once at its announced size.
 *
 * @example
 * ```ts
 * const decoder = new FrameDecoder(1024 * 1024);
 * socket.on("data", (chunk) => decoder.push(chunk, (payload) => handle(payload)));
 * ```
 */
import { HEADER_BYTES } from "../constants.ts";
import { RepodError } from "../errors.ts";

export class FrameDecoder {
  /** Bytes of a split header gathered so far. */
  private readonly header = new Uint8Array(HEADER_BYTES);
  private headerFill = 0;
  /** The body being gathered across chunks, or null between frames. */
  private body: Uint8Array | null = null;
  private bodyFill = 0;

  /** @param maxFrameBytes largest payload accepted; a longer announced length throws FRAME_TOO_LARGE. */
  constructor(readonly maxFrameBytes: number) {}

  /** True when part of a frame has arrived and the rest has not. */
  get partial(): boolean {
    return this.headerFill > 0 || this.body !== null;
  }

  /**
   * Feeds one chunk; calls `onPayload` for every payload completed, in order.
   * Throws `FRAME_TOO_LARGE` when a frame announces more than the limit; the
   * stream cannot be resynchronised after that, so the connection must close.
   */
  push(chunk: Uint8Array, onPayload: (payload: Uint8Array) => void): void {
    let offset = 0;
    const end = chunk.length;
    while (offset < end) {
      if (this.body !== null) {
        // Continue a body split across chunks.
        const take = Math.min(this.body.length - this.bodyFill, end - offset);
        this.body.set(chunk.subarray(offset, offset + take), this.bodyFill);
        this.bodyFill += take;
        offset += take;
        if (this.bodyFill === this.body.length) {
          const payload = this.body;
          this.body = null;
          onPayload(payload);
        }
        continue;
      }
      let length: number;
      if (this.headerFill === 0 && end - offset >= HEADER_BYTES) {
        // Fast path: the whole header is in this chunk.
        length = ((chunk[offset]! << 24) | (chunk[offset + 1]! << 16) | (chunk[offset + 2]! << 8) | chunk[offset + 3]!) >>> 0;
        offset += HEADER_BYTES;
      } else {
        while (this.headerFill < HEADER_BYTES && offset < end) this.header[this.headerFill++] = chunk[offset++]!;
        if (this.headerFill < HEADER_BYTES) return;
        this.headerFill = 0;
        const h = this.header;
        length = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
      }
      if (length > this.maxFrameBytes) {
        throw new RepodError("FRAME_TOO_LARGE", `frame announces ${length} bytes, over maxFrameBytes (${this.maxFrameBytes})`);
      }
      if (end - offset >= length) {
        onPayload(chunk.subarray(offset, offset + length));
        offset += length;
      } else {
        this.body = new Uint8Array(length);
        this.bodyFill = 0;
      }
    }
  }
}
