import { afterEach, describe, expect, it } from "vitest";
import { type AnyMessage, Channel, describeValue, type ProtocolDescriptor, type RepodError, Server } from "../../runtime/index.ts";
import { BAD_PAYLOADS } from "../helpers/bad-payloads.ts";
import { RawPeer } from "../helpers/raw-peer.ts";
import { RawWsPeer } from "../helpers/raw-ws-peer.ts";
import { waitFor } from "../helpers/wait.ts";

const errors: Array<{ kind: string; error: RepodError }> = [];

const protocol: ProtocolDescriptor = {
  name: "guarded",
  fingerprint: "0000000000000000",
  client: {
    move: (data) => (typeof data.x === "number" ? undefined : `x: expected number, got ${describeValue(data.x)}`),
  },
  server: {},
};

class Guarded extends Channel {
  static override readonly protocol = protocol;
  private kind = "";
  override onConnect(): void {
    this.kind = this.link.transport!.kind;
  }
  Network_echo(data: AnyMessage): void {
    this.send(data);
  }
  Network_move(data: AnyMessage): void {
    this.send({ action: "moved", x: data.x });
  }
  Network_boom(): void {
    throw new Error("kaboom");
  }
  override onError(error: RepodError): void {
    errors.push({ kind: this.kind, error });
  }
}

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
  errors.length = 0;
});

async function startServer(options: { maxFrameBytes?: number; maxBufferedBytes?: number } = {}) {
  const server = new Server({ channelClass: Guarded, port: 0, websocket: { port: 0 }, ...options });
  await server.start();
  cleanup.push(() => server.stop());
  return server;
}

async function peers(server: Server<Guarded>): Promise<{ tcp: RawPeer; ws: RawWsPeer }> {
  const tcp = await RawPeer.connect(server.address.port);
  const ws = await RawWsPeer.connect(server.websocketAddress!.url);
  cleanup.push(
    () => tcp.close(),
    () => ws.close(),
  );
  await tcp.waitFor(1, "greeting over TCP");
  await ws.waitFor(1, "greeting over WebSocket");
  return { tcp, ws };
}

describe("bad input over WebSocket gets the same codes as over TCP", () => {
  it.each(BAD_PAYLOADS)("$name: $code reported on both transports; both connections go on", async ({ bytes, code, message }) => {
    const server = await startServer();
    const { tcp, ws } = await peers(server);
    tcp.writePayload([...bytes]);
    ws.sendBinary([...bytes]);
    tcp.send({ action: "echo", after: 1 });
    ws.send({ action: "echo", after: 1 });
    await tcp.waitFor(2, "the TCP echo after the bad frame");
    await ws.waitFor(2, "the WebSocket echo after the bad frame");
    expect(ws.received[1]).toEqual({ action: "echo", after: 1 });
    await waitFor(() => errors.length === 2, "one error per transport");
    for (const kind of ["tcp", "websocket"]) {
      const error = errors.find((e) => e.kind === kind)!.error;
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
      expect(error.message).toContain("127.0.0.1:");
    }
    expect(tcp.closed || ws.closed).toBe(false);
  });

  it("INVALID_PAYLOAD and HANDLER_FAILED alike on both", async () => {
    const server = await startServer();
    const { tcp, ws } = await peers(server);
    for (const peer of [tcp, ws]) {
      peer.send({ action: "move", x: "left" });
      peer.send({ action: "boom" });
      peer.send({ action: "move", x: 3 });
    }
    await tcp.waitFor(2);
    await ws.waitFor(2);
    expect(ws.received[1]).toEqual({ action: "moved", x: 3 });
    await waitFor(() => errors.length === 4, "two errors per transport");
    const codesOf = (kind: string) => errors.filter((e) => e.kind === kind).map((e) => [e.error.code, e.error.message.replace(/ \(from .*\)$/, "")]);
    expect(codesOf("websocket")).toEqual([
      ["INVALID_PAYLOAD", 'invalid "move": x: expected number, got string'],
      ["HANDLER_FAILED", "Network_boom threw: kaboom"],
    ]);
    expect(codesOf("tcp")).toEqual(codesOf("websocket"));
  });

  it("a text message is NOT_A_MESSAGE; the connection goes on", async () => {
    const server = await startServer();
    const { ws } = await peers(server);
    ws.sendText('{"action":"echo"}');
    ws.send({ action: "echo", after: 1 });
    await ws.waitFor(2);
    expect(ws.received[1]).toEqual({ action: "echo", after: 1 });
    expect(errors.map((e) => e.error.code)).toEqual(["NOT_A_MESSAGE"]);
    expect(errors[0]!.error.message).toMatch(/expected a binary WebSocket message holding msgpack, got a text message of 17 characters/);
    expect(ws.closed).toBe(false);
  });

  it("a message over maxFrameBytes closes that connection with FRAME_TOO_LARGE (1009); the server goes on", async () => {
    const server = await startServer({ maxFrameBytes: 1000 });
    const { tcp, ws } = await peers(server);
    ws.sendBinary(new Uint8Array(1001));
    tcp.write([0x00, 0x00, 0x03, 0xe9]); // announces 1001 bytes
    await ws.waitClosed();
    await tcp.waitClosed();
    expect(ws.closeCode).toBe(1009);
    await waitFor(() => errors.length === 2, "FRAME_TOO_LARGE on both");
    expect(errors.map((e) => [e.kind, e.error.code]).sort()).toEqual([
      ["tcp", "FRAME_TOO_LARGE"],
      ["websocket", "FRAME_TOO_LARGE"],
    ]);
    expect(errors.find((e) => e.kind === "websocket")!.error.message).toMatch(/over maxFrameBytes \(1000\)/);
    await waitFor(() => server.channels.size === 0, "both channels released");
    const good = await RawWsPeer.connect(server.websocketAddress!.url);
    cleanup.push(() => good.close());
    good.send({ action: "echo", fine: true });
    await good.waitFor(2);
    expect(good.received[1]).toEqual({ action: "echo", fine: true });
  });

  it("closes a WebSocket reader that never reads with SLOW_CONSUMER while the others keep receiving", async () => {
    const server = await startServer({ maxBufferedBytes: 256 * 1024 });
    const { ws: slow } = await peers(server);
    slow.ws.pause(); // never reads again
    const good = await RawWsPeer.connect(server.websocketAddress!.url);
    cleanup.push(() => good.close());
    await good.waitFor(1);
    const blob = "x".repeat(16 * 1024);
    // Bounded: at most 2,000 × 16 KiB; the slow reader must be cut off long before.
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < 10; i++) server.sendToAll({ action: "blob", round, blob });
      await new Promise((r) => setTimeout(r, 5));
      if (errors.some((e) => e.error.code === "SLOW_CONSUMER")) break;
    }
    await waitFor(() => errors.some((e) => e.error.code === "SLOW_CONSUMER"), "SLOW_CONSUMER");
    expect(errors.find((e) => e.error.code === "SLOW_CONSUMER")!.kind).toBe("websocket");
    await waitFor(() => server.channels.size === 2, "the slow channel removed");
    server.sendToAll({ action: "after" });
    await waitFor(() => good.actions().includes("after"), "the good client still receives");
  });
});
