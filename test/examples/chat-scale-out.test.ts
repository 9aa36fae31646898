/** Two chat servers on two ports sharing one real redis-server are one room. */
import { afterEach, describe, it } from "vitest";
import { RedisServer } from "../helpers/redis-server.ts";
import { ScriptedChat } from "../helpers/scripted-chat.ts";
import { Script } from "../helpers/spawn.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

describe("chat example scaled out on Redis", () => {
  it("clients of two servers see each other's lines, joins and leaves, and one player list", async () => {
    const redis = await RedisServer.start();
    cleanup.push(() => redis.stop());
    const one = new Script("examples/chat/server.ts", ["127.0.0.1:0", "--redis", redis.url]);
    cleanup.push(() => one.kill());
    const two = new Script("examples/chat/server.ts", ["127.0.0.1:0"], { REPOD_REDIS_URL: redis.url });
    cleanup.push(() => two.kill());
    const [portOne, portTwo] = await Promise.all([one.port(), two.port()]);

    const ada = new ScriptedChat("ada", cleanup);
    await ada.connect("127.0.0.1", portOne);
    await ada.saw("* ada joined");
    const bob = new ScriptedChat("bob", cleanup);
    await bob.connect("127.0.0.1", portTwo);
    await ada.saw("* bob joined");
    const cy = new ScriptedChat("cy", cleanup);
    await cy.connect("127.0.0.1", portOne);
    for (const c of [ada, bob, cy]) await c.saw("* players: ada, bob, cy");

    ada.input("hello from one");
    bob.input("hello from two");
    for (const c of [ada, bob, cy]) {
      await c.saw("<ada> hello from one");
      await c.saw("<bob> hello from two");
    }

    bob.input("/nick bobby");
    for (const c of [ada, bob, cy]) await c.saw("* players: ada, bobby, cy");

    bob.stop();
    for (const c of [ada, cy]) {
      await c.saw("* bobby left");
      await c.saw("* players: ada, cy");
    }
    // Each line once, although it crossed Redis.
    const once = (c: ScriptedChat, lines: string[]): void => {
      for (const line of lines) {
        if (c.lines.filter((l) => l === line).length !== 1) throw new Error(`${line} not exactly once in:\n${c.lines.join("\n")}`);
      }
    };
    once(ada, ["<ada> hello from one", "<bob> hello from two", "* bob joined", "* cy joined", "* bobby left"]);
    once(cy, ["<ada> hello from one", "<bob> hello from two", "* bobby left"]);
  });
});
