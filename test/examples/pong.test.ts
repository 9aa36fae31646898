import { afterEach, describe, expect, it } from "vitest";
import { PongBot } from "../../examples/pong/bot.ts";
import { Script } from "../helpers/spawn.ts";
import { sleep, waitFor } from "../helpers/wait.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A bot pumped every `ms` milliseconds, recording every message it gets. */
function bot(name: string, ms = 1000 / 60): PongBot & { seen: string[]; ticks: number[] } {
  const b = Object.assign(new PongBot(name), { seen: [] as string[], ticks: [] as number[] });
  const state = b.Network_state.bind(b);
  b.Network_state = (data) => {
    b.ticks.push(data.tick);
    state(data);
  };
  for (const action of ["welcome", "full", "waiting", "start", "scored", "game_over"] as const) {
    const handler = (b as unknown as Record<string, (d: unknown) => void>)[`Network_${action}`]!.bind(b);
    (b as unknown as Record<string, (d: unknown) => void>)[`Network_${action}`] = (d) => {
      b.seen.push(action);
      handler(d);
    };
  }
  const timer = setInterval(() => b.pump(), ms);
  cleanup.push(() => {
    b.close();
    clearInterval(timer);
  });
  return b;
}

async function server(...args: string[]): Promise<number> {
  const script = new Script("examples/pong/server.ts", ["127.0.0.1:0", ...args]);
  cleanup.push(() => script.kill());
  return script.port();
}

describe("pong example", () => {
  it("two bots play a match to the end; a third client gets `full`", async () => {
    const port = await server("--win", "2");
    const [a, b] = [bot("a"), bot("b")];
    await a.connect("127.0.0.1", port);
    await b.connect("127.0.0.1", port);
    await waitFor(() => a.seen.includes("start") && b.seen.includes("start"), "the match to start");
    const third = bot("c");
    await third.connect("127.0.0.1", port);
    await waitFor(() => third.full && third.disconnected, "the third client to get full, then be closed");
    expect(third.seen).toEqual(["full"]);
    await waitFor(() => a.over !== null && b.over !== null, "game_over for both", 60_000);
    expect(a.over).toEqual(b.over);
    expect(Math.max(...a.over!.score)).toBe(2);
    expect(a.over!.score[a.over!.winner]).toBe(2);
    expect(a.seen.filter((s) => s === "scored").length).toBe(a.over!.score[0] + a.over!.score[1]);
  });

  it("a client that leaves mid-match sets the other back to waiting", async () => {
    const port = await server();
    const [a, b] = [bot("a"), bot("b")];
    await a.connect("127.0.0.1", port);
    // The first admitted waits: b connects once a is, whatever the machine's speed.
    await waitFor(() => a.seen.includes("waiting"), "a admitted, waiting");
    await b.connect("127.0.0.1", port);
    await waitFor(() => a.ticks.length > 10, "a few ticks of play");
    b.close();
    await waitFor(() => a.seen.filter((s) => s === "waiting").length === 2, "a back to waiting");
    const ticksAtLeave = a.ticks.length;
    await sleep(200);
    expect(a.ticks.length).toBe(ticksAtLeave); // no more state: the match stopped
    const c = bot("c");
    await c.connect("127.0.0.1", port);
    await waitFor(() => a.seen.filter((s) => s === "start").length === 2, "a new match with the newcomer");
  });

  it("a client that pumps only every 50 ms still receives every message, in order", async () => {
    const port = await server();
    const slow = bot("slow", 50);
    const fast = bot("fast");
    await slow.connect("127.0.0.1", port);
    // The slow client is admitted first (it gets `waiting`), whatever the machine's speed.
    await waitFor(() => slow.seen.includes("waiting"), "the slow client admitted, waiting");
    await fast.connect("127.0.0.1", port);
    await waitFor(() => slow.ticks.length >= 180, "3 s of ticks");
    const ticks = slow.ticks.slice(0, 180);
    // One state per tick, none missing, none repeated, none out of order.
    expect(ticks).toEqual(ticks.map((_, i) => ticks[0]! + i));
    expect(slow.seen.slice(0, 3)).toEqual(["welcome", "waiting", "start"]);
  });
});
