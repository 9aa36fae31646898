import { afterEach, describe, expect, it } from "vitest";
import { FaultProxy } from "../helpers/fault-proxy.ts";
import { waitFor } from "../helpers/wait.ts";
import { breakConnection, cleanup, listener, runCleanup, startServer } from "./fixtures.ts";

afterEach(runCleanup);

describe("session resume", () => {
  it("re-attaches the same channel after a break; messages sent both ways while away arrive once, in order", async () => {
    const server = await startServer();
    const client = listener();
    await client.connect("127.0.0.1", server.address.port);
    await client.waitFor("connected");
    await waitFor(() => server.connected.length === 1, "onConnect");
    const channel = server.connected[0]!;
    for (let i = 0; i < 10; i++) client.send({ action: "up", i });
    for (let i = 0; i < 10; i++) channel.send({ action: "down", i });
    await client.waitFor("down", 10);
    await waitFor(() => channel.got.length === 10, "10 up");

    breakConnection(client);
    await client.waitFor("reconnecting");
    for (let i = 10; i < 20; i++) client.send({ action: "up", i });
    await waitFor(() => channel.hooks.includes("suspend"), "onSuspend");
    for (let i = 10; i < 20; i++) channel.send({ action: "down", i });
    await client.waitFor("reconnected");
    await client.waitFor("down", 20);
    await waitFor(() => channel.got.length === 20, "20 up");

    expect(client.of("down").map((m) => m.i)).toEqual([...Array(20).keys()]);
    expect(channel.got.map((m) => m.i)).toEqual([...Array(20).keys()]);
    expect(channel.hooks).toEqual(["connect", "suspend", "resume"]);
    expect(server.connected).toEqual([channel]);
    expect(server.disconnected).toEqual([]);
    expect(client.of("connected")).toHaveLength(1);
    expect(client.of("disconnected")).toHaveLength(0);
    expect(channel.isConnected).toBe(true);
  });

  it("resumes a session whose _hello was cut with the connection (the server had not yet heard it was ours)", async () => {
    const server = await startServer();
    const proxy = await FaultProxy.start(server.address.port, [{ kind: "cut", direction: "toServer", afterBytes: 5 }]);
    cleanup.push(() => proxy.close());
    const client = listener();
    await client.connect("127.0.0.1", proxy.port);
    client.send({ action: "up", i: 0 });
    await client.waitFor("reconnected");
    client.send({ action: "up", i: 1 });
    await waitFor(() => server.connected[0]?.got.length === 2, "both");
    expect(server.connected[0]!.got.map((m) => m.i)).toEqual([0, 1]);
    expect(server.connected).toHaveLength(1);
    expect(client.of("connected")).toHaveLength(1);
    expect(client.of("error")).toHaveLength(0);
  });
});
