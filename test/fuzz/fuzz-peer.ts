/**
 * A hostile peer: a raw TCP socket that writes whatever it is given, in
 * random pieces, and watches the server's frames only for the answers to its
 * probes. Unlike the test helpers' RawPeer it keeps nothing it receives, so
 * it can run for minutes.
 */
import net from "node:net";
import { decodePayload, encodeFrame, FrameDecoder } from "../../runtime/index.ts";
import type { Random } from "./random.ts";

export type ProbeOutcome = "answered" | "closed" | "timeout";

export class FuzzPeer {
  isClosed = false;
  /** Frames received from the server, greeting included. */
  frames = 0;
  private readonly decoder = new FrameDecoder(64 * 1024 * 1024);
  private readonly probes = new Map<number, () => void>();
  private readonly closeWaiters: Array<() => void> = [];
  private greeted!: () => void;
  /** Resolves when the server's greeting has arrived. */
  readonly greeting = new Promise<void>((resolve) => (this.greeted = resolve));

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on("data", (chunk) => {
      try {
        this.decoder.push(chunk, (source, start, end) => this.frame(source.subarray(start, end)));
      } catch {
        socket.destroy(); // the server never sends a bad frame; if it did, the probes will say so
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      this.isClosed = true;
      this.greeted();
      for (const wake of this.closeWaiters.splice(0)) wake();
      for (const wake of this.probes.values()) wake();
    });
  }

  static connect(port: number): Promise<FuzzPeer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: "127.0.0.1", port });
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new FuzzPeer(socket));
      });
      socket.once("error", reject);
    });
  }

  /** Writes `bytes` in 1 to 8 random pieces, some in the same tick, some a tick or a millisecond apart. */
  async writeChunked(bytes: Uint8Array, rng: Random): Promise<void> {
    const pieces = bytes.length < 2 || rng.chance(0.4) ? 1 : rng.between(2, Math.min(8, bytes.length));
    const cuts = new Set<number>();
    while (cuts.size < pieces - 1) cuts.add(rng.between(1, bytes.length - 1));
    let start = 0;
    for (const cut of [...[...cuts].sort((a, b) => a - b), bytes.length]) {
      if (this.isClosed) return;
      this.socket.write(bytes.subarray(start, cut));
      start = cut;
      const pause = rng.int(4);
      if (pause === 1) await new Promise((resolve) => setImmediate(resolve));
      else if (pause === 2) await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /**
   * Sends a probe (by default `{action: "echo", probe}`) and waits for
   * `{action: "echo", probe}` to come back, for the connection to close, or
   * for `timeoutMs`.
   */
  probe(probe: number, timeoutMs: number, message: (probe: number) => object = (n) => ({ action: "echo", probe: n })): Promise<ProbeOutcome> {
    if (this.isClosed) return Promise.resolve("closed");
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.probes.delete(probe);
        resolve("timeout");
      }, timeoutMs);
      this.probes.set(probe, () => {
        clearTimeout(timer);
        this.probes.delete(probe);
        resolve(this.isClosed ? "closed" : "answered");
      });
      this.socket.write(encodeFrame(message(probe) as { action: string }));
    });
  }

  /** Waits until the server closes the connection; false after `timeoutMs`. */
  waitClosed(timeoutMs: number): Promise<boolean> {
    if (this.isClosed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.closeWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private frame(payload: Uint8Array): void {
    this.frames++;
    if (this.frames === 1) this.greeted();
    let message: { action?: unknown; probe?: unknown };
    try {
      message = decodePayload(payload) as typeof message;
    } catch {
      return;
    }
    if (message.action === "echo" && typeof message.probe === "number") this.probes.get(message.probe)?.();
  }
}
