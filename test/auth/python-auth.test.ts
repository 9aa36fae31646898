/**
 * A real Python repod client (test/python/chat_peer.py: /usr/bin/python3
 * with msgpack) against the chat server, which requires a credential: as
 * the README says Python peers authenticate, its first message (`nickname`,
 * the server's `authAction`) is the credential. Accepted, it chats; refused
 * (empty, taken), it reads AUTH_FAILED as an ordinary `error` message and is
 * closed, and nothing it sent is dispatched.
 */
import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { ChatRoom, type ChatRoomChannel, type Player } from "../../examples/chat/server.ts";
import type { Auth } from "../../generated/chat.ts";
import type { AuthInfo, RepodError } from "../../runtime/index.ts";
import { RecordingListener } from "../helpers/listener.ts";
import { waitFor } from "../helpers/wait.ts";

class WatchedRoom extends ChatRoom {
  readonly vias: string[] = [];
  readonly admitted: Player[] = [];
  readonly lines: string[] = [];
  readonly errors: RepodError[] = [];

  override authenticate(auth: Auth, info?: AuthInfo): ReturnType<ChatRoom["authenticate"]> {
    this.vias.push(info?.via ?? "");
    return super.authenticate(auth);
  }
  override onConnect(channel: ChatRoomChannel): void {
    this.admitted.push(channel.user);
    super.onConnect(channel);
  }
  override onError(error: RepodError): void {
    this.errors.push(error);
  }
}

const stops: Array<() => unknown> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function startRoom(): Promise<WatchedRoom> {
  const room = new WatchedRoom({ port: 0 });
  // Every line the room dispatched, whoever sent it.
  const relay = room.sendToAll.bind(room);
  room.sendToAll = ((message: { action: string; text?: string }, options?: object) => {
    if (message.action === "message") room.lines.push(String(message.text));
    return relay(message as never, options as never);
  }) as typeof room.sendToAll;
  await room.start();
  stops.push(() => room.stop());
  return room;
}

/** Runs the Python chat client to its end: its exit code and what it received. */
async function python(port: number, nickname: string, line: string): Promise<{ code: number | null; got: Array<Record<string, unknown>>; err: string }> {
  const peer = spawn("/usr/bin/python3", ["test/python/chat_peer.py", String(port), nickname, line], { stdio: ["ignore", "pipe", "pipe"] });
  stops.push(() => peer.kill());
  let out = "";
  let err = "";
  peer.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  peer.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => peer.on("exit", resolve));
  const got = out
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code, got, err };
}

describe("a Python repod chat client against a server that requires a credential", () => {
  it("is accepted with its first message (nickname) as the credential, and its line, sent before the answer, is dispatched after onConnect", async () => {
    const room = await startRoom();
    const { code, got, err } = await python(room.address.port, "ada", "hello from python");
    expect(code, err).toBe(0);
    expect(room.vias).toEqual(["message"]);
    expect(room.admitted).toEqual([{ nickname: "ada" }]);
    expect(got[0]).toMatchObject({ action: "connected", protocol: "chat", auth: true });
    expect(got).toContainEqual({ action: "system", text: "ada joined" });
    expect(got.at(-1)).toEqual({ action: "message", text: "hello from python", nickname: "ada" });
    expect(room.lines).toEqual(["hello from python"]);
    expect(room.errors).toEqual([]);
  });

  it("is refused when its nickname is empty or taken: an AUTH_FAILED error message it reads, then closed; nothing it sent is dispatched", async () => {
    const room = await startRoom();
    const empty = await python(room.address.port, "  ", "never seen");
    expect(empty.code, empty.err).toBe(3);
    expect(empty.got.map((m) => m.action)).toEqual(["connected", "error"]);
    expect(empty.got[1]).toEqual({ action: "error", code: "AUTH_FAILED", message: "choose a nickname" });

    const ada = new RecordingListener().loop(2);
    stops.push(() => {
      ada.close();
      ada.stop();
    });
    await ada.connect("127.0.0.1", room.address.port, { auth: { nickname: "ada" } });
    await ada.waitFor("connected");
    const taken = await python(room.address.port, "ada", "not me");
    expect(taken.code, taken.err).toBe(3);
    expect(taken.got.map((m) => m.action)).toEqual(["connected", "error"]);
    expect(taken.got[1]).toEqual({ action: "error", code: "AUTH_FAILED", message: 'the nickname "ada" is taken' });

    expect(room.vias).toEqual(["message", "hello", "message"]);
    expect(room.admitted).toEqual([{ nickname: "ada" }]);
    expect(room.lines).toEqual([]);
    expect(room.errors.map((e) => [e.code, e.message])).toEqual([
      ["AUTH_FAILED", expect.stringMatching(/^choose a nickname/)],
      ["AUTH_FAILED", expect.stringMatching(/^the nickname "ada" is taken/)],
    ]);
    await waitFor(() => room.channels.size === 1, "only ada left");
  });
});
