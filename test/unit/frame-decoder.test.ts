import { EventEmitter } from "node:events";
import type net from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RepodError } from "../../runtime/errors.ts";
import { TcpTransport } from "../../runtime/transport/tcp.ts";
import { decodePayload, encodeFrame } from "../../runtime/wire/codec.ts";
import { FrameDecoder, wholeFrames } from "../../runtime/wire/frame-decoder.ts";

const message = fc.record({
  action: fc.constantFrom("move", "chat", "state"),
  x: fc.integer({ min: -1e9, max: 1e9 }),
  text: fc.string({ maxLength: 300 }),
  list: fc.array(fc.double({ noNaN: true }), { maxLength: 20 }),
});

function concat(parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

/** Splits `bytes` at the given cut points (sorted, deduplicated, inside the buffer). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let last = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(last, p));
    last = p;
  }
  chunks.push(bytes.subarray(last));
  return chunks;
}

describe("FrameDecoder", () => {
  it("gives back the same messages however the stream is split", () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 30 }), fc.array(fc.nat(), { maxLength: 60 }), (messages, cuts) => {
        const stream = concat(messages.map((m) => Uint8Array.from(encodeFrame(m))));
        const decoder = new FrameDecoder(1024 * 1024);
        const out: unknown[] = [];
        for (const chunk of split(stream, cuts)) decoder.push(chunk, (s, a, b) => out.push(decodePayload(s, a, b)));
        expect(out).toEqual(messages);
        expect(decoder.partial).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("gives back the same messages when fed one byte at a time", () => {
    const messages = [{ action: "a", n: 1 }, { action: "b", text: "x".repeat(1000) }, { action: "c" }];
    const stream = concat(messages.map((m) => Uint8Array.from(encodeFrame(m))));
    const decoder = new FrameDecoder(1024 * 1024);
    const out: unknown[] = [];
    for (let i = 0; i < stream.length; i++) decoder.push(stream.subarray(i, i + 1), (s, a, b) => out.push(decodePayload(s, a, b)));
    expect(out).toEqual(messages);
  });

  it("refuses an announced length over the limit before buffering the body", () => {
    const decoder = new FrameDecoder(1024);
    // 0xffffffff announced: 4 GiB. Only the header is fed; nothing is allocated for the body.
    const before = process.memoryUsage().arrayBuffers;
    let error: unknown;
    try {
      decoder.push(Uint8Array.of(0xff, 0xff, 0xff, 0xff), () => {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RepodError);
    expect((error as RepodError).code).toBe("FRAME_TOO_LARGE");
    expect((error as RepodError).message).toBe("frame announces 4294967295 bytes, over maxFrameBytes (1024)");
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1024 * 1024);
  });

  it("refuses an over-long header split across chunks", () => {
    const decoder = new FrameDecoder(10);
    decoder.push(Uint8Array.of(0x00, 0x00), () => {});
    expect(() => decoder.push(Uint8Array.of(0x00, 0x0b), () => {})).toThrowError(/announces 11 bytes/);
  });

  it("does not allocate a large announced body before its bytes arrive, and assembles it when they do", () => {
    const decoder = new FrameDecoder(4 * 1024 * 1024);
    const text = "z".repeat(3 * 1024 * 1024);
    const frame = Uint8Array.from(encodeFrame({ action: "big", text }));
    const before = process.memoryUsage().arrayBuffers;
    const out: unknown[] = [];
    decoder.push(frame.subarray(0, 10), (s, a, b) => out.push(decodePayload(s, a, b)));
    // 3 MiB announced, 6 bytes of body received: far less than 3 MiB held.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1024 * 1024);
    expect(decoder.partial).toBe(true);
    for (let at = 10; at < frame.length; at += 50_000)
      decoder.push(frame.subarray(at, Math.min(frame.length, at + 50_000)), (s, a, b) => out.push(decodePayload(s, a, b)));
    expect(out).toEqual([{ action: "big", text }]);
    expect(decoder.partial).toBe(false);
  });

  it("accepts a frame exactly at the limit", () => {
    const decoder = new FrameDecoder(3);
    const out: Uint8Array[] = [];
    decoder.push(Uint8Array.of(0, 0, 0, 3, 1, 2, 3), (s, a, b) => out.push(s.subarray(a, b)));
    expect(out.map((p) => [...p])).toEqual([[1, 2, 3]]);
  });

  it("wholeFrames hands out the whole frames of a chunk and says where the split one starts; it refuses a long header at once", () => {
    const out: number[][] = [];
    const chunk = Uint8Array.of(0, 0, 0, 1, 7, 0, 0, 0, 2, 8, 9, 0, 0, 0, 3, 1);
    expect(wholeFrames(chunk, 0, (s, a, b) => out.push([...s.subarray(a, b)]), 16)).toBe(11);
    expect(out).toEqual([[7], [8, 9]]);
    expect(wholeFrames(Uint8Array.of(0, 0), 0, () => {}, 16)).toBe(0);
    expect(() => wholeFrames(Uint8Array.of(0, 0, 0, 17), 0, () => {}, 16)).toThrowError("frame announces 17 bytes, over maxFrameBytes (16)");
  });
});

/** A stand-in for a socket: the TCP transport's reading path, fed chunk by chunk. */
function fakeSocket(): EventEmitter & net.Socket {
  const socket = new EventEmitter() as EventEmitter & Record<string, unknown>;
  Object.assign(socket, { remoteAddress: "127.0.0.1", remotePort: 1, destroyed: false, writableEnded: false, setNoDelay: () => {}, destroy: () => {} });
  return socket as unknown as EventEmitter & net.Socket;
}

describe("TcpTransport reading (a decoder only while a frame is split)", () => {
  it("gives back the same messages however the stream is split", () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 30 }), fc.array(fc.nat(), { maxLength: 60 }), (messages, cuts) => {
        const stream = concat(messages.map((m) => Uint8Array.from(encodeFrame(m))));
        const socket = fakeSocket();
        const transport = new TcpTransport(socket, 1024 * 1024);
        const out: unknown[] = [];
        transport.bind({ payload: (s, a, b) => out.push(decodePayload(s, a, b)), error: (e) => out.push(e), closed: () => {} });
        for (const chunk of split(stream, cuts)) socket.emit("data", Buffer.from(chunk));
        expect(out).toEqual(messages);
      }),
      { numRuns: 300 },
    );
  });

  it("reports FRAME_TOO_LARGE once the header is in, split or not", () => {
    for (const chunks of [
      [[0, 0, 0, 200]],
      [
        [0, 0],
        [0, 200],
      ],
      [
        [0, 0, 0, 1, 5, 0],
        [0, 0, 200],
      ],
    ]) {
      const socket = fakeSocket();
      const transport = new TcpTransport(socket, 100);
      const errors: string[] = [];
      transport.bind({ payload: () => {}, error: (e) => errors.push(e.code), closed: () => {} });
      for (const chunk of chunks) socket.emit("data", Buffer.from(chunk));
      expect(errors).toEqual(["FRAME_TOO_LARGE"]);
    }
  });
});
