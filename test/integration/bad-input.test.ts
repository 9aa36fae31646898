import { afterEach, describe, expect, it } from "vitest";
import { type AnyMessage, Channel, RepodError, Server } from "../../runtime/index.ts";
import { BAD_PAYLOADS } from "../helpers/bad-payloads.ts";
import { RawPeer } from "../helpers/raw-peer.ts";
import { waitFor } from "../helpers/wait.ts";

const errors: RepodError[] = [];

class Guarded extends Channel {
  Network_echo(data: AnyMessage): void {
    this.send(data);
  }
  Network_boom(): void {
    throw new Error("kaboom");
  }
  async Network_later(): Promise<void> {
    throw new Error("async kaboom");
  }
  override onError(error: RepodError): void {
    errors.push(error);
  }
}

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
  errors.length = 0;
});

async function setup(options: { maxFrameBytes?: number; maxBufferedBytes?: number } = {}) {
  const server = new Server({ channelClass: Guarded, port: 0, ...options });
  await server.start();
  cleanup.push(() => server.stop());
  const peer = await RawPeer.connect(server.address.port);
  cleanup.push(() => peer.close());
  await peer.waitFor(1, "greeting");
  return { server, peer };
}

/** A second, well-behaved client must still be served after the bad input. */
async function stillServes(server: Server<any>): Promise<void> {
  const good = await RawPeer.connect(server.address.port);
  cleanup.push(() => good.close());
  good.send({ action: "echo", ok: true });
  await good.waitFor(2, "the echo of a good client");
  expect(good.received[1]).toEqual({ action: "echo", ok: true });
}

describe("bad input from the network", () => {
  it.each(BAD_PAYLOADS)("reports $name through onError; the connection goes on", async ({ bytes, code, message }) => {
    const { server, peer } = await setup();
    peer.writePayload([...bytes]);
    peer.send({ action: "echo", after: 1 });
    await peer.waitFor(2, "the echo after the bad frame");
    expect(peer.received[1]).toEqual({ action: "echo", after: 1 });
    expect(errors.map((e) => e.code)).toEqual([code]);
    expect(errors[0]!.message).toMatch(message);
    expect(errors[0]!.message).toContain("127.0.0.1:");
    expect(peer.closed).toBe(false);
    await stillServes(server);
  });

  it("reports a handler that throws as HANDLER_FAILED; the connection goes on", async () => {
    const { server, peer } = await setup();
    peer.send({ action: "boom" });
    peer.send({ action: "later" });
    peer.send({ action: "echo", after: 2 });
    await peer.waitFor(2);
    await waitFor(() => errors.length === 2, "two HANDLER_FAILED");
    expect(errors.map((e) => [e.code, e.message])).toEqual([
      ["HANDLER_FAILED", "Network_boom threw: kaboom"],
      ["HANDLER_FAILED", "Network_later threw: async kaboom"],
    ]);
    await stillServes(server);
  });

  it("closes a connection that announces a frame over maxFrameBytes with FRAME_TOO_LARGE; the server goes on", async () => {
    const { server, peer } = await setup({ maxFrameBytes: 1000 });
    peer.write([0x7f, 0xff, 0xff, 0xff]);
    await peer.waitClosed();
    await waitFor(() => errors.length === 1, "FRAME_TOO_LARGE");
    expect(errors[0]!.code).toBe("FRAME_TOO_LARGE");
    expect(errors[0]!.message).toMatch(/frame announces 2147483647 bytes, over maxFrameBytes \(1000\)/);
    await stillServes(server);
  });

  it("closes a reader that never reads with SLOW_CONSUMER while the others keep receiving", async () => {
    const { server, peer } = await setup({ maxBufferedBytes: 256 * 1024 });
    peer.socket.pause(); // never reads again
    const good = await RawPeer.connect(server.address.port);
    cleanup.push(() => good.close());
    await good.waitFor(1);
    const blob = "x".repeat(16 * 1024);
    // Bounded: at most 2,000 × 16 KiB; the slow reader must be cut off long before.
    for (let round = 0; round < 200 && !peer.closed; round++) {
      for (let i = 0; i < 10; i++) server.sendToAll({ action: "blob", round, blob });
      await new Promise((r) => setTimeout(r, 5));
      if (errors.some((e) => e.code === "SLOW_CONSUMER")) break;
    }
    await waitFor(() => errors.some((e) => e.code === "SLOW_CONSUMER"), "SLOW_CONSUMER");
    expect(errors.find((e) => e.code === "SLOW_CONSUMER")!.message).toMatch(/maxBufferedBytes is 262144/);
    await waitFor(() => server.channels.size === 1, "the slow channel removed");
    server.sendToAll({ action: "after" });
    await waitFor(() => good.actions().includes("after"), "the good client still receives");
  });

  it("refuses to send a value msgpack cannot carry, at the call site, with ENCODE_FAILED", async () => {
    const { server, peer } = await setup();
    const channel = [...server.channels][0]!;
    expect(() => channel.send({ action: "x", when: new Date() })).toThrowError(RepodError);
    expect(() => server.sendToAll({ action: "x", f: () => 1 })).toThrowError(/cannot encode f: a function/);
    channel.send({ action: "fine" });
    await peer.waitFor(2);
    expect(peer.received[1]).toEqual({ action: "fine" });
  });

  it("survives a thousand garbage frames from one peer without affecting another", async () => {
    const { server, peer } = await setup();
    for (let i = 0; i < 1000; i++) peer.writePayload([0x92, i & 0x7f, 0xc1]);
    peer.send({ action: "echo", last: true });
    await peer.waitFor(2, "the echo after garbage");
    expect(errors).toHaveLength(1000);
    await stillServes(server);
  });

  it("a `send()` on a closed channel returns 0", async () => {
    const { server, peer } = await setup();
    const channel = [...server.channels][0]!;
    peer.close();
    await waitFor(() => server.channels.size === 0, "channel gone");
    expect(channel.send({ action: "late" })).toBe(0);
    expect(channel.isConnected).toBe(false);
  });
});
