/**
 * The lag_time client survives a broken connection by itself: cut in the
 * middle of a frame, or silently stalled, it reconnects, the server resumes
 * its session, and it still answers pings 0 to 9, each exactly once.
 */
import { afterEach, describe, expect, it } from "vitest";
import { encodeFrame } from "../../runtime/index.ts";
import { type Fault, FaultProxy } from "../helpers/fault-proxy.ts";
import { Script } from "../helpers/spawn.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

// What the client sends first: its hello, then one answer per ping. Three answers and a few bytes in is mid-frame.
const HELLO = encodeFrame({ action: "_hello", features: ["heartbeat", "resume"] }).length;
const ANSWER = encodeFrame({ action: "ping", count: 0 }).length;
const MID_FOURTH_ANSWER = HELLO + 3 * ANSWER + Math.floor(ANSWER / 2);

async function run(fault: Fault, serverArgs: string[]): Promise<Script> {
  const server = new Script("examples/lag_time/server.ts", ["127.0.0.1:0", ...serverArgs]);
  cleanup.push(() => server.kill());
  const proxy = await FaultProxy.start(await server.port(), [fault]);
  cleanup.push(() => proxy.close());
  const client = new Script("examples/lag_time/client.ts", [`127.0.0.1:${proxy.port}`]);
  cleanup.push(() => client.kill());
  expect(await client.exit(20_000)).toBe(0);
  expect(proxy.faulted).toBe(1);
  expect(client.lines.filter((l) => /^got ping \d+$/.test(l))).toEqual([...Array(10).keys()].map((i) => `got ping ${i}`));
  expect(client.lines).toContain("reconnected, nothing lost");
  expect(client.lines.filter((l) => l === "connected to the server")).toHaveLength(1);
  expect(client.lines.at(-1)).toBe("disconnected after answering 10 pings");
  // One session on the server's side too: one connect, one leave after all 10.
  await server.line(/left after 10 pings/);
  expect(server.lines.filter((l) => / connected$/.test(l))).toHaveLength(1);
  return client;
}

describe("lag_time across a broken connection", () => {
  it("finishes its 10 pings after its connection is cut mid-frame", async () => {
    const client = await run({ kind: "cut", direction: "toServer", afterBytes: MID_FOURTH_ANSWER }, []);
    expect(client.lines.some((l) => l.startsWith("connection lost"))).toBe(true);
  });

  it("finishes its 10 pings after its connection silently stalls (found by heartbeat)", async () => {
    const client = await run({ kind: "stall", direction: "toServer", afterBytes: MID_FOURTH_ANSWER }, ["--heartbeat-ms", "50", "--timeout-ms", "200"]);
    expect(client.lines.some((l) => l.startsWith("connection lost (TIMEOUT)"))).toBe(true);
  });
});
