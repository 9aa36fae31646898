/**
 * Generated SDKs over real sockets: a server and a listener generated from
 * the kitchen-sink protocol (every supported field type) exchange every
 * message; bad payloads from a raw socket are refused with the path of the
 * problem; validation can be turned off; the handshake refuses another
 * protocol and accepts a Python repod server's bare greeting.
 */

import net from "node:net";
import fc from "fast-check";
import { type AnyMessage, type ChannelClass, jsonLogger, type RepodError } from "repod";
import { afterEach, describe, expect, it } from "vitest";
import { ChatChannel, ChatServer } from "../../generated/chat.ts";
import { KitchenSinkChannel, KitchenSinkListener, KitchenSinkServer } from "../../generated/kitchen_sink.ts";
import { encodeFrame } from "../../runtime/wire/codec.ts";
import { RecordingListener } from "../helpers/listener.ts";
import { protocolValues } from "../helpers/protocol-values.ts";
import { RawPeer } from "../helpers/raw-peer.ts";
import { plain } from "../helpers/vectors.ts";
import { waitFor } from "../helpers/wait.ts";

const { model, valuesOf } = protocolValues("protocol/kitchen_sink.protocol.ts");

/** One fixed sample of every message of a direction, with its action. */
function samples(messages: typeof model.client, seed: number): AnyMessage[] {
  return messages.map((m, i) => ({ action: m.action, ...(fc.sample(valuesOf(m.body, 3), { numRuns: 1, seed: seed + i })[0] as object) }));
}

/**
 * Gives `base` a `Network_<action>` for each action that records what it
 * gets: the abstract handlers of a generated class, filled in at run time.
 */
function recordingClass<T extends abstract new (...args: any[]) => object>(base: T, actions: string[], log: AnyMessage[]): T {
  const Class = class extends (base as unknown as new (...args: any[]) => object) {} as unknown as T;
  for (const action of actions) {
    (Class.prototype as Record<string, unknown>)[`Network_${action}`] = (data: AnyMessage) => void log.push(data);
  }
  return Class;
}

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function kitchenSinkServer(options: { validate?: boolean } = {}) {
  const received: AnyMessage[] = [];
  const errors: RepodError[] = [];
  const Channel = recordingClass(
    KitchenSinkChannel,
    model.client.map((m) => m.action),
    received,
  );
  const server = new (class extends KitchenSinkServer<KitchenSinkChannel> {
    override onError(error: RepodError) {
      errors.push(error);
    }
  })({ channelClass: Channel as unknown as ChannelClass<KitchenSinkChannel>, port: 0, ...options });
  await server.start();
  cleanup.push(() => server.stop());
  return { server, received, errors };
}

describe("a generated server and listener", () => {
  it("exchange every message of a protocol that uses every supported field type", async () => {
    const { server, received, errors } = await kitchenSinkServer();
    const got: AnyMessage[] = [];
    const Listener = recordingClass(
      KitchenSinkListener,
      model.server.map((m) => m.action),
      got,
    );
    const client = new (Listener as unknown as new () => KitchenSinkListener)();
    cleanup.push(() => client.close());
    const timer = setInterval(() => client.pump(), 5);
    cleanup.push(() => clearInterval(timer));
    await client.connect("127.0.0.1", server.address.port);

    const toServer = samples(model.client, 1);
    for (const message of toServer) client.send(message as never);
    await waitFor(() => received.length === toServer.length, `${toServer.length} client messages`);
    expect(plain(received)).toEqual(plain(toServer));

    const toClient = samples(model.server, 100);
    const channel = [...server.channels][0]!;
    for (const message of toClient) channel.send(message as never);
    await waitFor(() => got.length === toClient.length, `${toClient.length} server messages`);
    expect(plain(got)).toEqual(plain(toClient));
    expect(errors).toEqual([]);
  });

  const bad: Array<[string, Record<string, unknown>, string]> = [
    [
      "a float where an Int goes, in an array",
      { action: "select", ids: [1, 2.5], grid: [], pairs: [] },
      'invalid "select": ids[1]: expected integer, got number',
    ],
    ["a number deep in nested objects", { action: "nested", outer: { inner: { deep: 5 } } }, 'invalid "nested": outer.inner.deep: expected string, got number'],
    ["a wrong literal", { action: "vote", option: 4, level: 0, sure: true }, 'invalid "vote": option: expected 1 | 2 | 3, got 4'],
    ["a missing field", { action: "say", text: "hi" }, 'invalid "say": to: expected string | null, got nothing'],
    ["a tuple of the wrong length", { action: "move", dir: "north", run: false, at: [1, 2, 3] }, 'invalid "move": at: expected tuple of 2, got array of 3'],
  ];
  it.each(bad)("refuse %s from a raw socket with INVALID_PAYLOAD and its path; the connection goes on", async (_name, message, expected) => {
    const { server, received, errors } = await kitchenSinkServer();
    const peer = await RawPeer.connect(server.address.port);
    cleanup.push(() => peer.close());
    peer.send(message as AnyMessage);
    peer.send({ action: "ping" });
    await waitFor(() => received.length === 1, "the ping after the bad message");
    expect(received).toEqual([{ action: "ping" }]);
    expect(errors.map((e) => [e.code, e.message.replace(/ \(from .*\)$/, "")])).toEqual([["INVALID_PAYLOAD", expected]]);
    expect(errors[0]!.action).toBe(message.action);
  });

  it("refuse a msgpack extension type (here a timestamp) as DECODE_FAILED: repod peers never send one", async () => {
    const { server, received, errors } = await kitchenSinkServer();
    const peer = await RawPeer.connect(server.address.port);
    cleanup.push(() => peer.close());
    const text = (s: string): number[] => [0xa0 | s.length, ...Buffer.from(s)];
    // {"action": "settings", "values": <timestamp extension: 1970-01-01>}
    peer.writePayload([0x82, ...text("action"), ...text("settings"), ...text("values"), 0xd6, 0xff, 0, 0, 0, 0]);
    peer.send({ action: "ping" });
    await waitFor(() => received.length === 1, "the ping after the bad message");
    expect(received).toEqual([{ action: "ping" }]);
    expect(errors.map((e) => [e.code, e.message.replace(/ \(from .*\)$/, "")])).toEqual([
      ["DECODE_FAILED", "payload of 30 bytes is not valid msgpack: extension type -1 is not a value repod sends"],
    ]);
  });

  it("let a trusted peer's payload through unchecked when validation is off", async () => {
    const { server, received, errors } = await kitchenSinkServer({ validate: false });
    const peer = await RawPeer.connect(server.address.port);
    cleanup.push(() => peer.close());
    peer.send({ action: "select", ids: [1, 2.5], grid: [], pairs: [] });
    await waitFor(() => received.length === 1, "the unchecked message");
    expect(received[0]).toEqual({ action: "select", ids: [1, 2.5], grid: [], pairs: [] });
    expect(errors).toEqual([]);
  });

  it("send an action the protocol does not declare to networkReceived", async () => {
    const { server, errors } = await kitchenSinkServer();
    const unknown: AnyMessage[] = [];
    const channel = () => [...server.channels][0] as unknown as { networkReceived?: (d: AnyMessage) => void };
    const peer = await RawPeer.connect(server.address.port);
    cleanup.push(() => peer.close());
    await waitFor(() => server.channels.size === 1, "the channel");
    channel().networkReceived = (d) => void unknown.push(d);
    peer.send({ action: "dance", steps: 3 });
    await waitFor(() => unknown.length === 1, "networkReceived");
    expect(unknown[0]).toEqual({ action: "dance", steps: 3 });
    expect(errors).toEqual([]);
  });
});

describe("the handshake", () => {
  it("refuses a server of another protocol with PROTOCOL_MISMATCH and closes", async () => {
    class Room extends ChatChannel {
      Network_nickname(): void {}
      Network_message(): void {}
    }
    const chat = new ChatServer({ channelClass: Room, port: 0 });
    await chat.start();
    cleanup.push(() => chat.stop());
    const log: AnyMessage[] = [];
    const Listener = recordingClass(KitchenSinkListener, [...model.server.map((m) => m.action), "connected", "error", "disconnected"], log);
    const client = new (Listener as unknown as new () => KitchenSinkListener)();
    cleanup.push(() => client.close());
    const timer = setInterval(() => client.pump(), 5);
    cleanup.push(() => clearInterval(timer));
    await client.connect("127.0.0.1", chat.address.port);
    await waitFor(() => log.some((m) => m.action === "disconnected"), "disconnected");
    expect(log.map((m) => m.action)).toEqual(["error", "disconnected"]);
    expect(log[0]!.code).toBe("PROTOCOL_MISMATCH");
    expect(String(log[0]!.message)).toMatch(/the server speaks chat \(fingerprint [0-9a-f]{16}\), this client kitchen_sink/);
    expect(client.connection.state).toBe("closed");
  });

  it("accepts a Python repod server's greeting, which has no fingerprint", async () => {
    const frames: Buffer[] = [];
    const python = net.createServer((socket) => {
      socket.write(encodeFrame({ action: "connected" }));
      socket.on("data", (chunk) => frames.push(chunk));
    });
    await new Promise<void>((r) => python.listen(0, "127.0.0.1", r));
    cleanup.push(() => new Promise((r) => python.close(r)));
    const client = new RecordingListener().loop();
    cleanup.push(() => {
      client.close();
      client.stop();
    });
    await client.connect("127.0.0.1", (python.address() as net.AddressInfo).port);
    await client.waitFor("connected");
    client.send({ action: "ping" });
    await waitFor(() => Buffer.concat(frames).includes(Buffer.from("ping")), "the ping at the Python server");
    // Nothing but the application's frame reached it: no control frame for a peer that offered none.
    expect(Buffer.concat(frames)).toEqual(Buffer.from(encodeFrame({ action: "ping" })));
    expect(client.actions()).toEqual(["socketConnect", "connected"]);
  });
});

describe("logging", () => {
  it("writes one JSON line per listen, connect, error and disconnect when asked", async () => {
    const lines: string[] = [];
    const { server } = await (async () => {
      const Channel = recordingClass(
        KitchenSinkChannel,
        model.client.map((m) => m.action),
        [],
      );
      const s = new KitchenSinkServer({
        channelClass: Channel as unknown as ChannelClass<KitchenSinkChannel>,
        port: 0,
        logger: jsonLogger({ write: (line: string) => lines.push(line) }),
      });
      await s.start();
      cleanup.push(() => s.stop());
      return { server: s };
    })();
    const peer = await RawPeer.connect(server.address.port);
    peer.send({ action: "vote", option: 9, level: 0, sure: true });
    await waitFor(() => lines.some((l) => l.includes('"error"')), "an error line");
    peer.close();
    await waitFor(() => lines.some((l) => l.includes('"disconnect"')), "a disconnect line");
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => e.event)).toEqual(["listen", "connect", "error", "disconnect"]);
    expect(events[2]).toMatchObject({ code: "INVALID_PAYLOAD", id: expect.any(String) });
    expect(lines.every((l) => l.indexOf("\n") === l.length - 1)).toBe(true);
  });
});
