/**
 * The chat client survives a broken connection by itself: the server keeps
 * its session (name, place in the room), what is said meanwhile reaches it
 * after the resume, what it typed meanwhile reaches the others, and nobody
 * sees it leave or join again.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ScriptedChat } from "../helpers/scripted-chat.ts";
import { Script } from "../helpers/spawn.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

describe("chat across a broken connection", () => {
  it("a player whose connection breaks keeps its place; nothing said either way is lost", async () => {
    const server = new Script("examples/chat/server.ts", ["127.0.0.1:0"]);
    cleanup.push(() => server.kill());
    const port = await server.port();
    const ada = new ScriptedChat("ada", cleanup);
    const bob = new ScriptedChat("bob", cleanup);
    await ada.connect("127.0.0.1", port);
    await ada.saw("* ada joined");
    await bob.connect("127.0.0.1", port);
    await ada.saw("* players: ada, bob");

    ada.connection.link.transport?.destroy(); // the network fails under ada
    await ada.saw("* connection lost (CONNECT_FAILED); reconnecting, what you type will be sent");
    ada.input("typed while away");
    bob.input("said while ada was away");
    await ada.saw("* reconnected");
    await bob.saw("<ada> typed while away");
    await ada.saw("<bob> said while ada was away");

    // bob came after ada joined: he must see neither a leave nor a second join.
    expect(ada.lines.filter((l) => l === "* ada joined")).toHaveLength(1);
    expect(bob.lines.filter((l) => l === "* ada joined")).toHaveLength(0);
    for (const c of [ada, bob]) expect(c.lines.some((l) => l.includes("ada left"))).toBe(false);
    expect(ada.lines.filter((l) => l.startsWith("* connected as"))).toHaveLength(1);
  });
});
