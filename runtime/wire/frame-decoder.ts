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
 * chunk (no copy). A payload split across chunks is gathered into one buffer:
 * allocated at once at its announced size when that is small, and only when
 * its last byte has come when it is large — so a peer that announces 1 MiB
 * and sends nothing more costs 1 MiB of nothing.
 *
 * @example
 * ```ts
 * const decoder = new FrameDecoder(1024 * 1024);
 * socket.on("data", (chunk) => decoder.push(chunk, (source, start, end) => handle(decodePayload(source, start, end))));
 * ```
 */
import { HEADER_BYTES } from "../constants.ts";

/** Bodies up to this size are allocated as soon as their length is known. */
const EAGER_BODY_BYTES = 64 * 1024;

import { RepodError } from "../errors.ts";

/** Where a decoder hands each payload: a function, or an object's `payload` method (no closure needed). */
export type PayloadSink = ((source: Uint8Array, start: number, end: number) => void) | { payload(source: Uint8Array, start: number, end: number): void };

export class FrameDecoder {
  /** The bytes of a split header gathered so far, as a number, and how many there are. */
  private headerValue = 0;
  private headerFill = 0;
  /** A small body being gathered across chunks, or null. */
  private body: Uint8Array | null = null;
  private bodyFill = 0;
  /** A large body being gathered across chunks: the pieces received so far (null when none), and its announced length. */
  private pieces: Uint8Array[] | null = null;
  private piecesFill = 0;
  private piecesLength = 0;

  /** @param maxFrameBytes largest payload accepted; a longer announced length throws FRAME_TOO_LARGE. */
  constructor(readonly maxFrameBytes: number) {}

  /** True when part of a frame has arrived and the rest has not. */
  get partial(): boolean {
    return this.headerFill > 0 || this.body !== null || this.piecesLength > 0;
  }

  /**
   * Feeds one chunk; calls `sink` (or `sink.payload`) for every payload completed, in order,
   * as a range of a buffer: `source[start, end)`. A range rather than a
   * view, so that decoding needs no new object per message (the decoder reads
   * a range of the chunk in place).
   * Throws `FRAME_TOO_LARGE` when a frame announces more than the limit; the
   * stream cannot be resynchronised after that, so the connection must close.
   */
  push(chunk: Uint8Array, sink: PayloadSink): void {
    let offset = 0;
    const end = chunk.length;
    while (offset < end) {
      if (this.piecesLength > 0) {
        // Continue a large body: keep views of the chunks, copy once at the end.
        const take = Math.min(this.piecesLength - this.piecesFill, end - offset);
        (this.pieces ??= []).push(chunk.subarray(offset, offset + take));
        this.piecesFill += take;
        offset += take;
        if (this.piecesFill === this.piecesLength) {
          const payload = concat(this.pieces, this.piecesLength);
          this.pieces = null;
          this.piecesFill = this.piecesLength = 0;
          emit(sink, payload, 0, payload.length);
        }
        continue;
      }
      if (this.body !== null) {
        // Continue a body split across chunks.
        const take = Math.min(this.body.length - this.bodyFill, end - offset);
        this.body.set(chunk.subarray(offset, offset + take), this.bodyFill);
        this.bodyFill += take;
        offset += take;
        if (this.bodyFill === this.body.length) {
          const payload = this.body;
          this.body = null;
          emit(sink, payload, 0, payload.length);
        }
        continue;
      }
      let length: number;
      if (this.headerFill === 0 && end - offset >= HEADER_BYTES) {
        // Fast path: the whole header is in this chunk.
        length = ((chunk[offset]! << 24) | (chunk[offset + 1]! << 16) | (chunk[offset + 2]! << 8) | chunk[offset + 3]!) >>> 0;
        offset += HEADER_BYTES;
      } else {
        let value = this.headerValue;
        while (this.headerFill < HEADER_BYTES && offset < end) {
          value = value * 256 + chunk[offset++]!;
          this.headerFill++;
        }
        if (this.headerFill < HEADER_BYTES) {
          this.headerValue = value;
          return;
        }
        this.headerFill = 0;
        this.headerValue = 0;
        length = value;
      }
      if (length > this.maxFrameBytes) throw tooLarge(length, this.maxFrameBytes);
      if (end - offset >= length) {
        emit(sink, chunk, offset, offset + length);
        offset += length;
      } else if (length <= EAGER_BODY_BYTES) {
        this.body = new Uint8Array(length);
        this.bodyFill = 0;
      } else {
        this.piecesLength = length;
      }
    }
  }
}

/**
 * The decoder's fast path as a function, for a connection that keeps no
 * decoder while no frame is split: hands `sink` every whole frame from
 * `chunk[offset]` on, and returns where the first incomplete frame starts
 * (`chunk.length` when none). Throws `FRAME_TOO_LARGE` as `push` does, as
 * soon as a header announces too much.
 */
export function wholeFrames(chunk: Uint8Array, offset: number, sink: PayloadSink, maxFrameBytes: number): number {
  const end = chunk.length;
  while (end - offset >= HEADER_BYTES) {
    const length = ((chunk[offset]! << 24) | (chunk[offset + 1]! << 16) | (chunk[offset + 2]! << 8) | chunk[offset + 3]!) >>> 0;
    if (length > maxFrameBytes) throw tooLarge(length, maxFrameBytes);
    const start = offset + HEADER_BYTES;
    if (end - start < length) break;
    offset = start + length;
    emit(sink, chunk, start, offset);
  }
  return offset;
}

function tooLarge(length: number, maxFrameBytes: number): RepodError {
  return new RepodError("FRAME_TOO_LARGE", `frame announces ${length} bytes, over maxFrameBytes (${maxFrameBytes})`);
}

function emit(sink: PayloadSink, source: Uint8Array, start: number, end: number): void {
  if (typeof sink === "function") sink(source, start, end);
  else sink.payload(source, start, end);
}

function concat(pieces: Uint8Array[], length: number): Uint8Array {
  const whole = new Uint8Array(length);
  let at = 0;
  for (const piece of pieces) {
    whole.set(piece, at);
    at += piece.length;
  }
  return whole;
}
