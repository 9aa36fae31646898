/**
 * The chat server: everyone in one room. A player joins by choosing a
 * nickname; everyone sees a system line when someone joins, renames or
 * leaves, and the player list after each change.
 *
 * With `--redis <url>` (or REPOD_REDIS_URL) several chat servers sharing
 * one Redis are one room: lines, joins and leaves reach the clients of every
 * server, and the player list covers them all. The list comes from presence
 * (each channel's nickname, set with `setPresence`): every server hears of
 * every change in the same order (`onPresence`) and sends its own clients
 * the list as it is after that change, so the last list is the same for all.
 *
 *   npm run chat:server -- [host:port] [--redis redis://127.0.0.1:6379]   (default 127.0.0.1:5071)
 */
import { jsonLogger, type PresenceChange, type ServerOptions } from "repod";
import { RedisAdapter } from "repod/redis";
import { ChatChannel, ChatServer, type ChatClientMessages } from "../../generated/chat.ts";
import { exampleArgs, isMain } from "../args.ts";

export class ChatRoomChannel extends ChatChannel {
  declare readonly server: ChatRoom;
  /** Empty until the player has chosen a nickname. */
  nickname = "";
  /** When the player connected: the player list is in order of arrival, across servers. */
  readonly since = Date.now();

  Network_nickname(data: ChatClientMessages["nickname"]): void {
    const wanted = data.nickname.trim().slice(0, 32);
    if (!wanted || wanted === this.nickname) return;
    const before = this.nickname;
    this.nickname = wanted;
    this.setPresence({ nickname: wanted, since: this.since }); // every server's onPresence sends the new list
    this.server.sendToAll({ action: "system", text: before ? `${before} is now ${wanted}` : `${wanted} joined` });
  }

  Network_message(data: ChatClientMessages["message"]): void {
    if (!this.nickname) return; // say who you are first
    this.server.sendToAll({ action: "message", text: data.text, nickname: this.nickname });
  }
}

export class ChatRoom extends ChatServer<ChatRoomChannel> {
  /** The list this server's clients got last. */
  private sent: string[] = [];

  constructor(options: ServerOptions<ChatRoomChannel> = {}) {
    super({ channelClass: ChatRoomChannel, ...options });
  }

  override onConnect(channel: ChatRoomChannel): void {
    channel.send({ action: "players", list: this.players() });
  }

  override onDisconnect(channel: ChatRoomChannel): void {
    if (channel.nickname) this.sendToAll({ action: "system", text: `${channel.nickname} left` });
  }

  /** Someone, here or on another server, came, went or renamed: this server's clients get the new list. */
  override onPresence(_change: PresenceChange): void {
    const list = this.players();
    if (list.length === this.sent.length && list.every((name, i) => name === this.sent[i])) return;
    this.sent = list;
    this.sendToAll({ action: "players", list }, { local: true }); // each server tells its own clients, in order
  }

  /** Nicknames of everyone who has chosen one, on every server of the room, in order of arrival. */
  players(): string[] {
    const named = this.presence.members().flatMap((m) => (isNamed(m.presence) ? [{ id: m.id, ...m.presence }] : []));
    // The same order on every server: by arrival, then by id (two players may arrive in the same millisecond).
    return named.sort((a, b) => a.since - b.since || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((m) => m.nickname);
  }
}

function isNamed(value: unknown): value is { nickname: string; since: number } {
  const named = value as { nickname?: unknown; since?: unknown } | null | undefined;
  return typeof named?.nickname === "string" && typeof named.since === "number";
}

if (isMain(import.meta.url)) {
  const { host, port, values } = exampleArgs({ redis: { type: "string" }, log: { type: "boolean" } });
  const redis = values.redis ?? process.env.REPOD_REDIS_URL;
  const room = new ChatRoom({
    host,
    port,
    logger: values.log ? jsonLogger() : undefined,
    adapter: redis ? new RedisAdapter({ url: redis, prefix: "repod-chat" }) : undefined,
  });
  await room.start();
  console.log(`chat server listening on ${room.address.host}:${room.address.port}`);
  await room.launch(); // until Ctrl-C
}
