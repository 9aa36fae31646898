/** One pong process serves several matches at once, each in its own group. */
import { afterEach, describe, expect, it } from "vitest";
import { PongBot } from "../../examples/pong/bot.ts";
import { Script } from "../helpers/spawn.ts";
import { waitFor } from "../helpers/wait.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A bot that records its match and every state tick it is sent. */
function bot(name: string): PongBot & { match: string; ticks: number[] } {
  const b = Object.assign(new PongBot(name), { match: "", ticks: [] as number[] });
  const welcome = b.Network_welcome.bind(b);
  b.Network_welcome = (data) => {
    b.match = data.match;
    welcome(data);
  };
  const state = b.Network_state.bind(b);
  b.Network_state = (data) => {
    b.ticks.push(data.tick);
    state(data);
  };
  const timer = setInterval(() => b.pump(), 1000 / 60);
  cleanup.push(() => {
    b.close();
    clearInterval(timer);
  });
  return b;
}

describe("pong example, many matches in one process", () => {
  it("six bots make three matches; each bot gets its own match's state only, every tick once", async () => {
    const script = new Script("examples/pong/server.ts", ["127.0.0.1:0", "--matches", "3"]);
    cleanup.push(() => script.kill());
    const port = await script.port();
    const bots = Array.from({ length: 6 }, (_, i) => bot(`b${i}`));
    for (const b of bots) await b.connect("127.0.0.1", port);
    await waitFor(() => bots.every((b) => b.ticks.length >= 60), "a second of play in every match");
    const matches = new Map<string, number>();
    for (const b of bots) matches.set(b.match, (matches.get(b.match) ?? 0) + 1);
    expect([...matches.values()]).toEqual([2, 2, 2]);
    for (const b of bots) {
      // Another match's states would repeat or reorder tick numbers.
      for (let i = 1; i < b.ticks.length; i++) expect(b.ticks[i]).toBe(b.ticks[i - 1]! + 1);
    }
  });
});
