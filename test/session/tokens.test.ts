import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../helpers/manual-clock.ts";
import { RawPeer } from "../helpers/raw-peer.ts";
import { waitFor } from "../helpers/wait.ts";
import { breakConnection, cleanup, listener, type RecordingServer, runCleanup, startServer } from "./fixtures.ts";

afterEach(runCleanup);

/** A client of ours, connected, whose greeting (id, token) we keep. */
async function connected(server: RecordingServer, options = {}) {
  const client = listener(options);
  await client.connect("127.0.0.1", server.address.port);
  await client.waitFor("connected");
  const greeting = client.of("connected")[0]!;
  await waitFor(() => server.channels.size > 0 && [...server.channels].some((c) => c.id === greeting.id), "its channel");
  const channel = [...server.channels].find((c) => c.id === greeting.id)!;
  return { client, id: String(greeting.id), token: String(greeting.token), channel };
}

/** Presents `_resume` on a raw connection, as a forger would; returns what the server answered after its greeting. */
async function present(server: RecordingServer, resume: Record<string, unknown>): Promise<Record<string, unknown>> {
  const peer = await RawPeer.connect(server.address.port);
  cleanup.push(() => peer.close());
  peer.send({ action: "_resume", received: 0, ...resume });
  await peer.waitFor(2);
  return peer.received[1]!;
}

describe("session tokens", () => {
  it("a forged, another session's, or wrong-protocol token never attaches (RESUME_FAILED); the right one does", async () => {
    const server = await startServer();
    const a = await connected(server, { reconnect: false });
    const b = await connected(server);
    expect(a.token).toMatch(/^[0-9a-f]{32}$/); // 128 bits
    breakConnection(a.client);
    await waitFor(() => a.channel.hooks.includes("suspend"), "a suspended");

    const forged = await present(server, { id: a.id, token: randomBytes(16).toString("hex") });
    const others = await present(server, { id: a.id, token: b.token });
    const protocol = await present(server, { id: a.id, token: a.token, fingerprint: "0123456789abcdef" });
    for (const answer of [forged, others, protocol]) expect(answer.action).toBe("_resume_failed");
    expect(forged.reason).toMatch(/token/);
    expect(protocol.reason).toMatch(/fingerprint/);
    expect(a.channel.isConnected).toBe(false);
    expect(a.channel.hooks).toEqual(["connect", "suspend"]);
    expect(b.channel.isConnected).toBe(true);

    const right = await present(server, { id: a.id, token: a.token });
    expect(right).toMatchObject({ action: "_resumed", received: 0 });
    expect(right.token).not.toBe(a.token);
    await waitFor(() => a.channel.isConnected, "a resumed");
    expect(a.channel.hooks).toEqual(["connect", "suspend", "resume"]);
  });

  it("a token is single use: once a resume went through, presenting it again fails", async () => {
    const server = await startServer();
    const a = await connected(server);
    breakConnection(a.client);
    await a.client.waitFor("reconnected");
    await waitFor(() => a.channel.isConnected, "resumed");
    const reused = await present(server, { id: a.id, token: a.token });
    expect(reused.action).toBe("_resume_failed");
    // The real client goes on, and can resume again with the token it was given.
    breakConnection(a.client);
    await a.client.waitFor("reconnected", 2);
    a.client.send({ action: "echo", after: "two resumes" });
    await a.client.waitFor("echo");
    expect(a.channel.hooks).toEqual(["connect", "suspend", "resume", "suspend", "resume"]);
  });

  it("a resume after the window gives a fresh session, and the client is told so", async () => {
    const clock = new ManualClock(); // the server's and the client's
    const server = await startServer({ resumeWindowMs: 50, clock });
    const a = await connected(server, { reconnectMinDelayMs: 250, reconnectMaxDelayMs: 250, clock });
    breakConnection(a.client);
    await a.client.waitFor("reconnecting");
    await waitFor(() => a.channel.hooks.includes("suspend"), "suspended");
    clock.advance(49);
    expect(server.disconnected).toEqual([]);
    clock.advance(1); // the window passes...
    expect(server.disconnected).toEqual([a.channel]);
    clock.advance(200); // ...then the client tries
    await a.client.waitFor("connected", 2);
    expect(a.client.actions()).toEqual(["socketConnect", "connected", "reconnecting", "error", "connected"]);
    expect(a.client.of("error")[0]!.code).toBe("RESUME_FAILED");
    expect(a.client.of("error")[0]!.message).toMatch(/resume window passed/);
    expect(a.client.of("connected")[1]).toMatchObject({ resumed: false });
    expect(server.disconnected).toEqual([a.channel]);
    expect(server.connected).toHaveLength(2);
    a.client.send({ action: "echo", n: 1 });
    await a.client.waitFor("echo");
    expect(a.client.connection.isConnected).toBe(true);
  });

  it("a session whose unacknowledged frames passed maxRetainedBytes cannot resume: fresh session, said so", async () => {
    const clock = new ManualClock(); // the client's: it tries again only once the session has overflowed
    const server = await startServer({ maxRetainedBytes: 2000 });
    const a = await connected(server, { reconnectMinDelayMs: 200, reconnectMaxDelayMs: 200, clock });
    breakConnection(a.client);
    await waitFor(() => a.channel.hooks.includes("suspend"), "suspended");
    for (let i = 0; i < 30; i++) a.channel.send({ action: "news", text: "x".repeat(100) }); // > 2000 bytes while away
    await waitFor(() => server.disconnected.length === 1, "the session ended");
    await a.client.waitFor("reconnecting");
    clock.advance(200);
    await a.client.waitFor("connected", 2);
    expect(a.client.of("error")[0]!.code).toBe("RESUME_FAILED");
  });
});
