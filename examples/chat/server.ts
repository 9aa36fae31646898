/**
 * The chat server: everyone in one room. A player joins with a nickname —
 * its credential, checked by `authenticate` before the player is let in
 * (refused when empty or taken); everyone sees a system line when someone
 * joins, renames or leaves, and the player list after each change. Our
 * client presents the nickname when it connects; a Python repod client
 * sends it as its first `nickname` message (`authAction`), as it always did.
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
import { jsonLogger, type PresenceChange, refuse, type ServerOptions } from "repod";
import { RedisAdapter } from "repod/redis";
import { type Auth, ChatChannel, type ChatClientMessages, ChatServer } from "../../generated/chat.ts";
import { exampleArgs, isMain } from "../args.ts";

/** Who a player is, once admitted. */
export interface Player {
  nickname: string;
}

export class ChatRoomChannel extends ChatChannel<Player> {
  declare readonly server: ChatRoom;
  /** The name the others see: the one the player joined with, until it renames. */
  nickname = "";
  /** When the player connected: the player list is in order of arrival, across servers. */
  readonly since = Date.now();

  Network_nickname(data: ChatClientMessages["nickname"]): void {
    const wanted = cleanName(data.nickname);
    if (!wanted || wanted === this.nickname || this.server.isTaken(wanted)) return;
    const before = this.nickname;
    this.nickname = wanted;
    this.setPresence({ nickname: wanted, since: this.since });
    this.server.sendToAll({ action: "system", text: `${before} is now ${wanted}` });
  }

  Network_message(data: ChatClientMessages["message"]): void {
    this.server.sendToAll({ action: "message", text: data.text, nickname: this.nickname });
  }
}

/** A nickname as shown: trimmed, at most 32 characters. */
function cleanName(name: string): string {
  return name.trim().slice(0, 32);
}

export class ChatRoom extends ChatServer<ChatRoomChannel> {
  /** The list this server's clients got last. */
  private sent: string[] = [];

  /** Names being checked or just admitted, before presence shows them. */
  private readonly claimed = new Set<string>();

  constructor(options: ServerOptions<ChatRoomChannel> = {}) {
    super({ channelClass: ChatRoomChannel, authAction: "nickname", ...options });
  }

  /** A player's nickname is its credential: refused when empty or taken. */
  override authenticate(auth: Auth): Player | ReturnType<typeof refuse> {
    const nickname = cleanName(auth.nickname);
    if (!nickname) return refuse("choose a nickname");
    if (this.isTaken(nickname)) return refuse(`the nickname "${nickname}" is taken`);
    this.claimed.add(nickname);
    return { nickname };
  }

  /** True when someone here or on another server of the room goes by `nickname`. */
  isTaken(nickname: string): boolean {
    return this.claimed.has(nickname) || this.players().includes(nickname) || [...this.channels].some((c) => c.nickname === nickname);
  }

  /** A player was let in under the nickname it presented. */
  override onConnect(channel: ChatRoomChannel): void {
    channel.send({ action: "players", list: this.players() });
    channel.nickname = channel.user.nickname;
    channel.setPresence({ nickname: channel.nickname, since: channel.since }); // every server's onPresence sends the new list
    this.claimed.delete(channel.nickname); // presence has it from now on
    this.sendToAll({ action: "system", text: `${channel.nickname} joined` });
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
