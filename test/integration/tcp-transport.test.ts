import { afterEach, describe, expect, it } from "vitest";
import { type AnyMessage, Channel, Server } from "../../runtime/index.ts";
import { type Acceptor, listenTcp } from "../../runtime/transport/tcp.ts";
import type { Transport } from "../../runtime/transport/transport.ts";
import { encodeFrame } from "../../runtime/wire/codec.ts";
import { RawPeer } from "../helpers/raw-peer.ts";
import { waitFor } from "../helpers/wait.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A listening transport and a raw peer connected to it. */
async function pair(): Promise<{ transport: Transport; peer: RawPeer }> {
  const accepted: Transport[] = [];
  const acceptor: Acceptor = await listenTcp("127.0.0.1", 0, 1024 * 1024, (transport) => accepted.push(transport));
  cleanup.push(() => acceptor.close());
  const peer = await RawPeer.connect(acceptor.address.port);
  cleanup.push(() => peer.close());
  await waitFor(() => accepted.length === 1, "the connection to be accepted");
  const transport = accepted[0]!;
  cleanup.push(() => transport.destroy());
  return { transport, peer };
}

describe("TcpTransport coalescing", () => {
  it("delivers a tick's frames whole and in order when they exceed the copy limit, then ends", async () => {
    const { transport, peer } = await pair();
    const text = "x".repeat(1000);
    // 200 KiB in one tick: past the 64 KiB copy limit, so the corked path carries them.
    for (let i = 0; i < 200; i++) transport.write(encodeFrame({ action: "item", i, text }));
    transport.end();
    await peer.waitClosed();
    expect(peer.received.map((m) => m.i)).toEqual([...Array(200).keys()]);
    expect(peer.received.every((m) => m.text === text)).toBe(true);
  });

  it("counts frames written this tick in bufferedBytes until they reach the socket", async () => {
    const { transport, peer } = await pair();
    const frame = encodeFrame({ action: "item", i: 1 });
    expect(transport.bufferedBytes).toBe(0);
    transport.write(frame);
    transport.write(frame);
    expect(transport.bufferedBytes).toBe(2 * frame.length);
    await peer.waitFor(2);
    expect(transport.bufferedBytes).toBe(0);
  });

  it("writes nothing after end(), and drops what is queued on destroy()", async () => {
    const { transport, peer } = await pair();
    transport.write(encodeFrame({ action: "item", i: 0 }));
    transport.end();
    transport.write(encodeFrame({ action: "item", i: 1 }));
    await peer.waitClosed();
    expect(peer.received.map((m) => m.i)).toEqual([0]);

    const other = await pair();
    other.transport.write(encodeFrame({ action: "item", i: 0 }));
    other.transport.destroy();
    await other.peer.waitClosed();
    expect(other.peer.received).toEqual([]);
  });

  it("gives every member of a broadcast burst every frame, in order", async () => {
    class BurstChannel extends Channel {
      Network_burst(data: { action: string; count: number }): void {
        for (let n = 0; n < data.count; n++) this.server.sendToAll({ action: "tick", n } as AnyMessage);
      }
    }
    const server = new Server({ channelClass: BurstChannel, port: 0 });
    await server.start();
    cleanup.push(() => server.stop());
    const peers = await Promise.all(Array.from({ length: 20 }, () => RawPeer.connect(server.address.port)));
    for (const peer of peers) cleanup.push(() => peer.close());
    await Promise.all(peers.map((peer) => peer.waitFor(1)));
    peers[0]!.send({ action: "burst", count: 300 });
    await Promise.all(peers.map((peer) => peer.waitFor(301)));
    for (const peer of peers) expect(peer.received.slice(1).map((m) => m.n)).toEqual([...Array(300).keys()]);
  });
});
