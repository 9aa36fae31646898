/**
 * The inspector on the server's own HTTP/WebSocket stack: with `path`, its
 * page and socket are served by the game's WebSocket listener — its own port,
 * or an HTTP server of the game's — beside the game's WebSocket, which keeps
 * working; the game's other requests stay the game's.
 */
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ChatRoom } from "../../examples/chat/server.ts";
import { PATIENCE_MS, waitFor } from "../helpers/wait.ts";
import { listener } from "../session/fixtures.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** Presents the token on `url`'s socket and resolves with the first snapshot. */
function firstSnapshot(url: string, token: string): Promise<Record<string, any>> {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}live`);
  cleanup.push(() => ws.close());
  return new Promise((resolve, reject) => {
    ws.on("open", () => ws.send(JSON.stringify({ type: "auth", token })));
    ws.on("message", (data) => {
      const message = JSON.parse(data.toString());
      if (message.type === "snapshot") resolve(message);
    });
    ws.on("error", reject);
    setTimeout(() => reject(new Error("no snapshot")), PATIENCE_MS).unref();
  });
}

async function get(url: string): Promise<{ status: number; type: string | null; text: string; location: string | null }> {
  const response = await fetch(url, { redirect: "manual" });
  return { status: response.status, type: response.headers.get("content-type"), text: await response.text(), location: response.headers.get("location") };
}

describe("inspector mounted on the server's WebSocket listener", () => {
  it("serves the page and its socket under a path of the game's WebSocket port, beside the game", async () => {
    const room = new ChatRoom({ port: 0, websocket: { port: 0 }, inspector: { token: "t", path: "/inspector/", intervalMs: 50 } });
    await room.start();
    cleanup.push(() => room.stop());
    const { port } = room.websocketAddress!;
    expect(room.inspectorUrl).toBe(`http://127.0.0.1:${port}/inspector/`);

    const page = await get(room.inspectorUrl!);
    expect(page.status).toBe(200);
    expect(page.type).toBe("text/html; charset=utf-8");
    expect(page.text).toContain("<title>repod inspector</title>");
    expect((await get(`http://127.0.0.1:${port}/inspector/inspector.js`)).type).toBe("text/javascript; charset=utf-8");
    expect(await get(`http://127.0.0.1:${port}/inspector`)).toMatchObject({ status: 308, location: "/inspector/" });
    expect((await get(`http://127.0.0.1:${port}/`)).status).toBe(426); // the rest of the port speaks WebSocket, as before

    // A client of the game over the same port's WebSocket, seen by the inspector there.
    const client = listener();
    await client.connect(room.websocketAddress!.url, { auth: { nickname: "ada" } });
    await client.waitFor("connected");
    await waitFor(() => room.channels.size === 1, "the channel");
    const snapshot = await firstSnapshot(room.inspectorUrl!, "t");
    expect(snapshot.channels.map((c: Record<string, unknown>) => c.transport)).toEqual(["websocket"]);

    // A wrong token is refused there as on a port of its own.
    const wrong = new WebSocket(`${room.inspectorUrl!.replace(/^http/, "ws")}live`);
    cleanup.push(() => wrong.close());
    const closed = new Promise<number>((resolve) => wrong.on("close", (code) => resolve(code)));
    wrong.on("open", () => wrong.send(JSON.stringify({ type: "auth", token: "guess" })));
    expect(await closed).toBe(4401);
  });

  it("on an HTTP server of the game's: takes only its path, and gives it back when the server stops", async () => {
    const http: HttpServer = createServer((_request, response) => response.end("the game's page"));
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    cleanup.push(() => new Promise<void>((resolve) => http.close(() => resolve())));
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const room = new ChatRoom({ tcp: false, websocket: { server: http, path: "/ws" }, inspector: { token: "t", path: "/admin" } });
    await room.start();
    expect(room.inspectorUrl).toBe(`${base}/admin/`);
    expect((await get(`${base}/admin/`)).text).toContain("<title>repod inspector</title>");
    expect((await get(`${base}/`)).text).toBe("the game's page");
    expect((await get(`${base}/administrator`)).text).toBe("the game's page");
    const client = listener();
    await client.connect(`ws://127.0.0.1:${(http.address() as AddressInfo).port}/ws`, { auth: { nickname: "bob" } });
    await client.waitFor("connected");
    const snapshot = await firstSnapshot(room.inspectorUrl!, "t");
    expect(snapshot.channels).toHaveLength(1);
    client.close();
    await room.stop();
    expect((await get(`${base}/admin/`)).text).toBe("the game's page");
    expect(http.listenerCount("request")).toBe(1);
  });

  it("refuses a path without a WebSocket listener, and one that does not start with /", async () => {
    const alone = new ChatRoom({ port: 0, inspector: { token: "t", path: "/inspector/" } });
    await expect(alone.start()).rejects.toThrow(
      'inspector.path ("/inspector/") serves the inspector on the server\'s WebSocket listener: give the server a websocket option, or leave path out for a port of its own',
    );
    expect(alone.isRunning).toBe(false);
    const relative = new ChatRoom({ port: 0, websocket: { port: 0 }, inspector: { token: "t", path: "inspector" } });
    await expect(relative.start()).rejects.toThrow('inspector.path must start with "/" (got "inspector")');
  });
});
