/**
 * The promise of session resume, checked through a proxy that breaks the
 * connection at random: 2,000 messages each way, sent in batches while the
 * connection is cut (at any byte, mid-frame included) or stalls, arrive
 * exactly once and in order, and the game sees one connect and no disconnect.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { type AnyMessage, Channel, Server } from "../../runtime/index.ts";
import { type Fault, FaultProxy } from "../helpers/fault-proxy.ts";
import { RecordingListener } from "../helpers/listener.ts";
import { waitFor } from "../helpers/wait.ts";

const COUNT = 2000;
const BATCH = 40;

/** Sends its client COUNT numbered messages, a batch every 2 ms, from the moment it connects; records what comes. */
class Streaming extends Channel {
  readonly got: number[] = [];
  hooks: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  Network_up(data: AnyMessage): void {
    this.got.push(Number(data.i));
  }
  override onConnect(): void {
    this.hooks.push("connect");
    let i = 0;
    this.timer = setInterval(() => {
      for (const end = Math.min(COUNT, i + BATCH); i < end; i++) this.send({ action: "down", i });
      if (i === COUNT) clearInterval(this.timer);
    }, 2);
  }
  override onSuspend(): void {
    this.hooks.push("suspend");
  }
  override onResume(): void {
    this.hooks.push("resume");
  }
  override onClose(): void {
    this.hooks.push("close");
    clearInterval(this.timer);
  }
}

const running: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of running.splice(0).reverse()) await fn();
});

async function conversation(faults: Fault[]): Promise<void> {
  const server = new Server({ channelClass: Streaming, port: 0, heartbeatIntervalMs: 40, timeoutMs: 160, resumeWindowMs: 10_000 });
  await server.start();
  const proxy = await FaultProxy.start(server.address.port, faults);
  const client = new RecordingListener({ reconnectMinDelayMs: 2, reconnectMaxDelayMs: 20, reconnectAttempts: 50 }).loop(2);
  let sender: NodeJS.Timeout | undefined;
  const stop = async (): Promise<void> => {
    clearInterval(sender);
    client.close();
    client.stop();
    await proxy.close();
    await server.stop();
  };
  running.push(stop);
  try {
    await client.connect("127.0.0.1", proxy.port);
    let i = 0;
    sender = setInterval(() => {
      for (const end = Math.min(COUNT, i + BATCH); i < end; i++) client.send({ action: "up", i });
      if (i === COUNT) clearInterval(sender);
    }, 2);
    // The client's channel is the one its greeting names: an attempt cut before its greeting reached the
    // client may have left the server a channel of its own, which goes when its connection is found gone.
    await client.waitFor("connected");
    const id = String(client.of("connected")[0]!.id);
    await waitFor(() => server.channel(id) !== undefined, "the client's channel to be admitted");
    const channel = server.channel(id)!;
    try {
      await waitFor(() => channel.got.length >= COUNT && client.of("down").length >= COUNT, `${COUNT} each way`);
    } catch (error) {
      const events = client.log.filter((m) => m.action !== "down").map((m) => (m.action === "error" ? `error ${m.message}` : m.action));
      throw new Error(`${(error as Error).message}; got ${channel.got.length} up, ${client.of("down").length} down; client events: ${events.join(", ")}`);
    }
    expect(channel.got).toEqual([...Array(COUNT).keys()]);
    expect(client.of("down").map((m) => m.i)).toEqual([...Array(COUNT).keys()]);
    // One session from the game's point of view, whatever happened underneath.
    expect(client.of("connected")).toHaveLength(1);
    expect(client.of("disconnected")).toHaveLength(0);
    expect(client.of("error")).toHaveLength(0);
    // An attempt whose link stalled stays open at the server (a dead link carries no FIN), and a connection
    // that never said a word cannot be told from a Python client that only listens: its channel stays until
    // the link goes. Once every link through the proxy is cut, only the client's channel (suspended) is left.
    proxy.cutAll();
    await waitFor(() => [...server.channels].every((c) => c === channel), "only the client's channel");
    expect([...server.channels]).toEqual([channel]);
    expect(channel.hooks.filter((h) => h === "connect" || h === "close")).toEqual(["connect"]);
    // The first fault always happens; each one costs an attempt (a resume, or a retry when it came before the greeting).
    expect(proxy.faulted).toBeGreaterThanOrEqual(1);
    expect(client.of("reconnecting").length).toBeGreaterThanOrEqual(1);
  } finally {
    running.splice(running.indexOf(stop), 1);
    await stop();
  }
}

// A cut before the greeting is a failed attempt, retried at once; a stall there waits out connectTimeoutMs
// (5 s), so a first stall is put past the greeting.
const GREETING_BYTES = 200;
const STREAM_BYTES = 32_000; // less than 2,000 small frames (about 19 bytes each) one way

const fault = (kind: Fault["kind"], first: boolean): fc.Arbitrary<Fault> =>
  fc
    .record({
      kind: fc.constant(kind),
      direction: fc.constantFrom<Fault["direction"]>("toServer", "toClient"),
      afterBytes: fc.integer({ min: 0, max: STREAM_BYTES }),
    })
    .map((f) =>
      first && kind === "stall" && f.direction === "toClient" && f.afterBytes < GREETING_BYTES ? { ...f, afterBytes: f.afterBytes + GREETING_BYTES } : f,
    );

const faults = (kind: Fault["kind"], most: number): fc.Arbitrary<Fault[]> =>
  fc.tuple(fault(kind, true), fc.array(fault(kind, false), { maxLength: most - 1 })).map(([first, rest]) => [first, ...rest]);

describe("exactly once, in order, across broken connections", () => {
  it("2,000 messages each way survive up to 3 cuts at random bytes (mid-frame included)", async () => {
    await fc.assert(fc.asyncProperty(faults("cut", 3), conversation), { numRuns: 25, endOnFailure: true });
  });

  it("2,000 messages each way survive a connection that stalls without closing (found by heartbeat)", async () => {
    await fc.assert(fc.asyncProperty(faults("stall", 2), conversation), { numRuns: 6, endOnFailure: true });
  });
});
