/**
 * The chat server: everyone in one room. A player joins by choosing a
 * nickname; everyone sees a system line when someone joins, renames or
 * leaves, and the player list after each change.
 *
 *   npm run chat:server -- [host:port]      (default 127.0.0.1:5071)
 */
import { jsonLogger, type ServerOptions } from "repod";
import { ChatChannel, ChatServer, type ChatClientMessages } from "../../generated/chat.ts";
import { isMain, parseArgs } from "../args.ts";

export class ChatRoomChannel extends ChatChannel {
  declare readonly server: ChatRoom;
  /** Empty until the player has chosen a nickname. */
  nickname = "";

  Network_nickname(data: ChatClientMessages["nickname"]): void {
    const wanted = data.nickname.trim().slice(0, 32);
    if (!wanted || wanted === this.nickname) return;
    const before = this.nickname;
    this.nickname = wanted;
    this.server.sendToAll({ action: "system", text: before ? `${before} is now ${wanted}` : `${wanted} joined` });
    this.server.sendPlayers();
  }

  Network_message(data: ChatClientMessages["message"]): void {
    if (!this.nickname) return; // say who you are first
    this.server.sendToAll({ action: "message", text: data.text, nickname: this.nickname });
  }
}

export class ChatRoom extends ChatServer<ChatRoomChannel> {
  constructor(options: ServerOptions<ChatRoomChannel> = {}) {
    super({ channelClass: ChatRoomChannel, ...options });
  }

  override onConnect(channel: ChatRoomChannel): void {
    channel.send({ action: "players", list: this.players() });
  }

  override onDisconnect(channel: ChatRoomChannel): void {
    if (!channel.nickname) return;
    this.sendToAll({ action: "system", text: `${channel.nickname} left` });
    this.sendPlayers();
  }

  /** Nicknames of everyone who has chosen one. */
  players(): string[] {
    return [...this.channels].map((c) => c.nickname).filter(Boolean);
  }

  sendPlayers(): void {
    this.sendToAll({ action: "players", list: this.players() });
  }
}

if (isMain(import.meta.url)) {
  const { host, port, flags } = parseArgs();
  const room = new ChatRoom({ host, port, logger: flags.has("log") ? jsonLogger() : undefined });
  await room.start();
  console.log(`chat server listening on ${room.address.host}:${room.address.port}`);
  await room.launch(); // until Ctrl-C
}
