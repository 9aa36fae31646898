import { afterEach, describe, expect, it } from "vitest";
import { ChatRoom } from "../../examples/chat/server.ts";
import { RawPeer } from "../helpers/raw-peer.ts";
import { ScriptedChat } from "../helpers/scripted-chat.ts";
import { Script } from "../helpers/spawn.ts";
import { waitFor } from "../helpers/wait.ts";

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

  it("the nickname is the credential: an empty or taken one is refused, for our client and for a Python-style peer, before anyone sees it", async () => {
    const room = new ChatRoom({ port: 0 });
    await room.start();
    cleanup.push(() => room.stop());
    const port = room.address.port;
    const ada = new ScriptedChat("ada", cleanup);
    await ada.connect("127.0.0.1", port);
    await ada.saw("* players: ada");

    const taken = new ScriptedChat("ada", cleanup);
    await taken.connect("127.0.0.1", port);
    await taken.saw("* disconnected");
    expect(taken.lines).toEqual([expect.stringMatching(/^! AUTH_FAILED: the nickname "ada" is taken \(from 127\.0\.0\.1:\d+\)$/), "* disconnected"]);

    const empty = new ScriptedChat("  ", cleanup);
    await empty.connect("127.0.0.1", port);
    await empty.saw("* disconnected");
    expect(empty.lines[0]).toMatch(/^! AUTH_FAILED: choose a nickname/);

    // A Python repod client: connect, wait for `connected`, send `nickname`, then chat.
    const peer = await RawPeer.connect(port);
    cleanup.push(() => peer.close());
    await peer.waitFor(1, "the greeting");
    peer.send({ action: "nickname", nickname: "ada" });
    peer.send({ action: "message", text: "I am ada too" });
    await waitFor(() => peer.closed, "the refused peer closed");
    expect(peer.received.slice(1)).toEqual([{ action: "error", code: "AUTH_FAILED", message: 'the nickname "ada" is taken' }]);

    const bob = await RawPeer.connect(port);
    cleanup.push(() => bob.close());
    await bob.waitFor(1, "the greeting");
    bob.send({ action: "nickname", nickname: "bob" });
    bob.send({ action: "message", text: "hi" });
    await ada.saw("<bob> hi");
    await ada.saw("* bob joined");
    expect(ada.lines.filter((l) => l.endsWith(" joined"))).toEqual(["* ada joined", "* bob joined"]);
    expect(ada.lines.join("\n")).not.toContain("I am ada too");
    expect([...room.channels].map((c) => c.user.nickname).sort()).toEqual(["ada", "bob"]);
  });
});
