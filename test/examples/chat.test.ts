import { afterEach, describe, expect, it } from "vitest";
import { Script } from "../helpers/spawn.ts";
import { ScriptedChat } from "../helpers/scripted-chat.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

describe("chat example", () => {
  it("three clients: joins, messages, a rename and a leave reach everyone, and the player list follows", async () => {
    const server = new Script("examples/chat/server.ts", ["127.0.0.1:0"]);
    cleanup.push(() => server.kill());
    const port = await server.port();
    const ada = new ScriptedChat("ada", cleanup);
    await ada.connect("127.0.0.1", port);
    await ada.saw("* ada joined");
    const bob = new ScriptedChat("bob", cleanup);
    await bob.connect("127.0.0.1", port);
    await ada.saw("* bob joined");
    const cy = new ScriptedChat("cy", cleanup);
    await cy.connect("127.0.0.1", port);
    for (const c of [ada, bob, cy]) await c.saw("* players: ada, bob, cy");

    ada.input("hello all");
    bob.input("hi ada");
    for (const c of [ada, bob, cy]) {
      await c.saw("<ada> hello all");
      await c.saw("<bob> hi ada");
    }

    cy.input("/nick cyd");
    for (const c of [ada, bob, cy]) {
      await c.saw("* cy is now cyd");
      await c.saw("* players: ada, bob, cyd");
    }

    bob.stop();
    for (const c of [ada, cy]) {
      await c.saw("* bob left");
      await c.saw("* players: ada, cyd");
    }
    // Order as sent: nobody saw bob's line before ada's.
    expect(cy.lines.indexOf("<ada> hello all")).toBeLessThan(cy.lines.indexOf("<bob> hi ada"));
  });
});
