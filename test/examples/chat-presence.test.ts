/**
 * Chat servers on one Redis agree on who is playing. Three chat servers on
 * one real redis-server; 30 players — half of them raw clients that behave
 * like Python repod's (connect, wait for `connected`, send `nickname`, then
 * chat), half our own client — join, rename and leave at the same time
 * across them; 20 rounds. After the last change every client's last player
 * list is the same and exact, and every server counts the same.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ChatRoom } from "../../examples/chat/server.ts";
import { RedisAdapter } from "../../runtime/redis.ts";
import { RawPeer } from "../helpers/raw-peer.ts";
import { RedisServer } from "../helpers/redis-server.ts";
import { ScriptedChat } from "../helpers/scripted-chat.ts";
import { waitFor } from "../helpers/wait.ts";

const ROUNDS = 20;
const PLAYERS = 30;
const SERVERS = 3;

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** One player, whichever client it uses. */
interface Player {
  /** Every player list it received, in order. */
  lists(): string[][];
  /** Waits until it has seen the system line `text`. */
  sawSystem(text: string): Promise<void>;
  nickname(name: string): void;
  /** Says a line and waits for it to come back: everything its server sent before has arrived. */
  echo(name: string, text: string): Promise<void>;
  leave(): void;
}

/** Like a Python repod chat client: no session, no control frame; `nickname` once greeted. */
async function rawPlayer(port: number, name: string): Promise<Player> {
  const peer = await RawPeer.connect(port);
  cleanup.push(() => peer.close());
  await peer.waitFor(1, "the greeting");
  expect(peer.received[0]!.action).toBe("connected");
  peer.send({ action: "nickname", nickname: name });
  const has = (check: (m: Record<string, unknown>) => boolean, what: string): Promise<void> =>
    waitFor(() => peer.received.some(check), `${what} in ${JSON.stringify(peer.received)}`);
  return {
    lists: () => peer.received.filter((m) => m.action === "players").map((m) => m.list as string[]),
    sawSystem: (text) => has((m) => m.action === "system" && m.text === text, text),
    nickname: (nickname) => peer.send({ action: "nickname", nickname }),
    echo: (nick, text) => {
      peer.send({ action: "message", text });
      return has((m) => m.action === "message" && m.text === text && m.nickname === nick, text);
    },
    leave: () => peer.close(),
  };
}

/** The example's own client (sends `nickname` on `connected`). */
async function ourPlayer(port: number, name: string): Promise<Player> {
  const chat = new ScriptedChat(name, cleanup);
  await chat.connect("127.0.0.1", port);
  return {
    lists: () => chat.lines.filter((l) => l.startsWith("* players: ")).map((l) => (l === "* players: (nobody yet)" ? [] : l.slice(11).split(", "))),
    sawSystem: (text) => chat.saw(`* ${text}`),
    nickname: (nickname) => chat.input(`/nick ${nickname}`),
    echo: (nick, text) => {
      chat.input(text);
      return chat.saw(`<${nick}> ${text}`);
    },
    leave: () => chat.stop(),
  };
}

/** Player k's script: 0 and 4 join, 1 renames, 3 renames twice, 2 leaves. Returns its last name, or null when it left. */
function finalName(k: number): string | null {
  return [`p${k}`, `p${k}x`, null, `p${k}y`, `p${k}`][k % 5]!;
}

async function play(player: Player, k: number): Promise<void> {
  await player.sawSystem(`p${k} joined`);
  if (k % 5 === 1) player.nickname(`p${k}x`);
  if (k % 5 === 3) {
    player.nickname(`p${k}x`);
    player.nickname(`p${k}y`);
  }
  if (k % 5 === 2) player.leave();
}

async function round(redis: RedisServer, n: number): Promise<void> {
  const servers = Array.from({ length: SERVERS }, () => new ChatRoom({ port: 0, adapter: new RedisAdapter({ url: redis.url, prefix: `chat-presence-${n}` }) }));
  for (const server of servers) {
    await server.start();
    cleanup.push(() => server.stop());
  }
  const serverOf = (k: number): number => k % SERVERS;
  // All join at once, across the servers; half raw, half ours.
  const players = await Promise.all(
    Array.from({ length: PLAYERS }, async (_, k) => {
      const port = servers[serverOf(k)]!.address.port;
      const player = await (k % 2 === 0 ? rawPlayer(port, `p${k}`) : ourPlayer(port, `p${k}`));
      await play(player, k);
      return player;
    }),
  );
  const staying = players.flatMap((player, k) => (finalName(k) === null ? [] : [{ player, k, name: finalName(k)! }]));
  const expected = staying.map((p) => p.name).sort();

  // The servers have taken every change in (leavers released, renames done) …
  const local = (s: number): string[] =>
    staying
      .filter((p) => serverOf(p.k) === s)
      .map((p) => p.name)
      .sort();
  await waitFor(
    () => servers.every((server, s) => JSON.stringify([...server.channels].map((c) => c.nickname).sort()) === JSON.stringify(local(s))),
    `round ${n}: each server's own players to be final`,
  );
  // … and every client's last list says so.
  const last = (p: Player): string[] => p.lists().at(-1) ?? [];
  await waitFor(
    () => staying.every((p) => JSON.stringify([...last(p.player)].sort()) === JSON.stringify(expected)),
    `round ${n}: every client's last list to be ${expected.join(",")}`,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; last lists:\n${staying.map((p) => `${p.name}: ${last(p.player).join(",")}`).join("\n")}`);
  });
  // Nothing still on its way: each client's server has sent it everything before its echo.
  await Promise.all(staying.map((p) => p.player.echo(p.name, `sync ${n}`)));
  const lists = staying.map((p) => last(p.player));
  for (const list of lists) expect(list).toEqual(lists[0]);
  expect([...lists[0]!].sort()).toEqual(expected);
  expect(await Promise.all(servers.map((server) => server.count()))).toEqual(servers.map(() => staying.length));
  for (const fn of cleanup.splice(0).reverse()) await fn();
}

describe("chat example: one player list across servers", () => {
  it(`${PLAYERS} players join, rename and leave across ${SERVERS} servers on one Redis: every last list the same and exact, ${ROUNDS} times`, async () => {
    const redis = await RedisServer.start();
    try {
      for (let n = 0; n < ROUNDS; n++) await round(redis, n);
    } finally {
      for (const fn of cleanup.splice(0).reverse()) await fn();
      await redis.stop();
    }
  }, 300_000);
});
