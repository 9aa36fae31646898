/**
 * The inspector's last round trip per channel, over real sockets: timed by
 * the heartbeat while a page watches — by the WebSocket pong, or over TCP by
 * the client's echo of the heartbeat's `ping` — and not at all while nobody
 * watches. The clock is moved by hand, so the round trip is exactly the time
 * moved between the heartbeat and its answer.
 */
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ManualClock } from "../helpers/manual-clock.ts";
import { RawPeer } from "../helpers/raw-peer.ts";
import { PATIENCE_MS, waitFor } from "../helpers/wait.ts";
import { cleanup, listener, runCleanup, startServer } from "../session/fixtures.ts";

afterEach(runCleanup);

const BEAT = { heartbeatIntervalMs: 1000, timeoutMs: 60_000 };

type Snapshot = Record<string, any>;

/** A page's socket: presents the token, keeps every snapshot. */
async function watch(url: string, token: string): Promise<{ snapshots: Snapshot[]; close(): void }> {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}live`);
  const snapshots: Snapshot[] = [];
  ws.on("open", () => ws.send(JSON.stringify({ type: "auth", token })));
  ws.on("message", (data) => {
    const message = JSON.parse(data.toString()) as Snapshot;
    if (message.type === "snapshot") snapshots.push(message);
  });
  await waitFor(() => snapshots.length > 0, "a first snapshot", PATIENCE_MS);
  return { snapshots, close: () => ws.close() };
}

describe("inspector: last round trip per channel", () => {
  it("times each channel's round trip from its heartbeat: the echo over TCP, the pong over WebSocket", async () => {
    const clock = new ManualClock();
    const server = await startServer({ ...BEAT, clock, websocket: { port: 0 }, inspector: { port: 0, token: "t", intervalMs: 20 } });
    const tcp = listener({ clock });
    await tcp.connect("127.0.0.1", server.address.port);
    await tcp.waitFor("connected");
    const ws = listener({ clock });
    await ws.connect(server.websocketAddress!.url);
    await ws.waitFor("connected");
    // Both sessions live: the server's heartbeat beats both.
    const heartbeat = (server as unknown as { sessions: { heartbeat: { size: number } } }).sessions.heartbeat;
    await waitFor(() => server.connected.length === 2 && heartbeat.size === 2, "both sessions to be live");
    const page = await watch(server.inspectorUrl!, "t");
    const rtts = (s: Snapshot): Record<string, number | null> => Object.fromEntries(s.channels.map((c: Snapshot) => [c.transport, c.rtt]));
    expect(rtts(page.snapshots.at(-1)!)).toEqual({ tcp: null, websocket: null }); // nothing timed yet

    clock.advance(BEAT.heartbeatIntervalMs); // the server beats (and each client, on the same clock)
    clock.advance(37); // …and the answers come back 37 ms later, as the clock says
    await waitFor(() => page.snapshots.some((s) => rtts(s).tcp === 37 && rtts(s).websocket === 37), "both round trips", PATIENCE_MS);

    clock.advance(BEAT.heartbeatIntervalMs - 37);
    clock.advance(5);
    await waitFor(() => page.snapshots.some((s) => rtts(s).tcp === 5 && rtts(s).websocket === 5), "the last round trips", PATIENCE_MS);
    expect(server.errors).toEqual([]);
  });

  it("asks for an echo only while a page watches, and ignores an echo of another number", async () => {
    const clock = new ManualClock();
    const server = await startServer({ ...BEAT, clock, inspector: { port: 0, token: "t", intervalMs: 20 } });
    const peer = await RawPeer.connect(server.address.port);
    cleanup.push(() => peer.close());
    peer.send({ action: "_hello", features: ["heartbeat", "resume"] });
    await waitFor(() => clock.pending === 1, "the session to be live");
    const heartbeats = (): Record<string, unknown>[] => peer.received.filter((m) => m.action === "_hb");

    clock.advance(BEAT.heartbeatIntervalMs); // nobody watches: a plain heartbeat
    await waitFor(() => heartbeats().length === 1, "the first heartbeat");
    expect(heartbeats()[0]).toEqual({ action: "_hb", received: 0 });
    const tap = server.connected[0]!.link.tap as unknown as { timing: unknown };
    expect(tap.timing).toBeNull(); // a channel nobody watched holds nothing for its round trips

    const page = await watch(server.inspectorUrl!, "t");
    clock.advance(BEAT.heartbeatIntervalMs);
    await waitFor(() => heartbeats().length === 2, "the second heartbeat");
    const ping = heartbeats()[1]!.ping;
    expect(typeof ping).toBe("number");
    clock.advance(12);
    peer.send({ action: "_hb", received: 0, pong: (ping as number) + 1 }); // not the number asked: no round trip
    peer.send({ action: "_hb", received: 0, pong: ping });
    const channel = server.connected[0]!;
    await waitFor(() => page.snapshots.some((s) => s.channels[0]?.rtt === 12), "the round trip of the right echo", PATIENCE_MS);
    expect(page.snapshots.some((s) => s.channels[0]?.rtt !== null && s.channels[0]?.rtt !== 12)).toBe(false);

    page.close();
    const inspector = (server as unknown as { inspector: { watcherCount: number } }).inspector;
    await waitFor(() => inspector.watcherCount === 0, "the page to go");
    clock.advance(BEAT.heartbeatIntervalMs); // nobody watches again: no ping
    await waitFor(() => heartbeats().length === 3, "the third heartbeat");
    expect(heartbeats()[2]).toEqual({ action: "_hb", received: 0 });
    expect(channel.isConnected).toBe(true);
    expect(server.errors).toEqual([]);
  });
});
