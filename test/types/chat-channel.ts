/**
 * Type-level fixtures for the generated chat SDK (checked by `tsc --noEmit`,
 * never run). Every line that must not compile carries `@ts-expect-error`,
 * which itself fails when the error goes away.
 */
import { ChatChannel, type ChatClientMessages, ChatListener, ChatServer, type ChatServerMessages } from "../../generated/chat.ts";
import type { KitchenSinkServer } from "../../generated/kitchen_sink.ts";

/** A complete, correct channel compiles. */
export class GoodChannel extends ChatChannel {
  nickname = "";

  Network_nickname(data: ChatClientMessages["nickname"]): void {
    this.nickname = data.nickname;
    this.send({ action: "system", text: `${data.nickname} joined` });
  }

  async Network_message(data: ChatClientMessages["message"]): Promise<void> {
    this.send({ action: "message", text: data.text, nickname: this.nickname });
    this.server.sendToAll({ action: "players", list: [this.nickname] });
  }
}

/** Handlers may take a wider parameter than the message (here: only what they read). */
export class WiderChannel extends ChatChannel {
  Network_nickname(data: { nickname: string }): void {
    void data.nickname;
  }

  Network_message(): void {}
}

// A handler the protocol declares but the class forgets does not compile.
// @ts-expect-error -- Network_message is missing
export class MissingHandler extends ChatChannel {
  Network_nickname(): void {}
}

export class WrongParameter extends ChatChannel {
  // @ts-expect-error -- the nickname message's fields are not the message message's
  Network_nickname(data: ChatClientMessages["message"]): void {
    void data;
  }

  Network_message(): void {}
}

export class WrongFieldType extends ChatChannel {
  // @ts-expect-error -- nickname is a string, not a number
  Network_nickname(data: { action: "nickname"; nickname: number }): void {
    void data;
  }

  Network_message(): void {}
}

export function channelSends(channel: GoodChannel): void {
  channel.send({ action: "message", text: "hi", nickname: "ada" });
  // @ts-expect-error -- no such action
  channel.send({ action: "shout", text: "hi" });
  // @ts-expect-error -- `nickname` is missing
  channel.send({ action: "message", text: "hi" });
  // @ts-expect-error -- `text` must be a string
  channel.send({ action: "system", text: 42 });
  // @ts-expect-error -- `nickname` is something a client sends, not the server
  channel.send({ action: "nickname", nickname: "ada" });
  // @ts-expect-error -- a field the message does not have
  channel.send({ action: "system", text: "hi", level: 3 });
}

/** A complete, correct listener compiles; built-in events stay optional. */
export class GoodListener extends ChatListener {
  readonly lines: string[] = [];

  Network_message(data: ChatServerMessages["message"]): void {
    this.lines.push(`${data.nickname}: ${data.text}`);
  }

  Network_system(data: ChatServerMessages["system"]): void {
    this.lines.push(data.text);
  }

  Network_players(data: ChatServerMessages["players"]): void {
    this.lines.push(data.list.join(", "));
  }

  override Network_connected(): void {
    this.send({ action: "nickname", nickname: "ada" });
  }
}

// @ts-expect-error -- Network_players is missing
export class ListenerMissingHandler extends ChatListener {
  Network_message(): void {}
  Network_system(): void {}
}

export function listenerSends(listener: GoodListener): void {
  listener.send({ action: "message", text: "hi" });
  // @ts-expect-error -- `system` is a server message: a client cannot send it
  listener.send({ action: "system", text: "hi" });
  // @ts-expect-error -- `text` is missing
  listener.send({ action: "message" });
}

export function servers(): void {
  const server = new ChatServer({ channelClass: GoodChannel, port: 0 });
  server.sendToAll({ action: "system", text: "welcome" });
  server.sendToAll({ action: "players", list: ["ada", "bob"] });
  // @ts-expect-error -- `nickname` is a client message: the server cannot broadcast it
  server.sendToAll({ action: "nickname", nickname: "ada" });
  // @ts-expect-error -- `list` must be string[]
  server.sendToAll({ action: "players", list: [1, 2] });
  // @ts-expect-error -- an abstract channel cannot be a server's channel class
  new ChatServer({ channelClass: ChatChannel });
  // @ts-expect-error -- a channel class of another protocol does not fit
  new ChatServer({ channelClass: class {} });
}

/** `this.server` in a handler takes only the protocol's server messages, whichever send it is. */
export class BroadcastingChannel extends ChatChannel {
  Network_nickname(data: ChatClientMessages["nickname"]): void {
    this.server.sendToAll({ action: "system", text: `${data.nickname} joined` });
    this.server.sendToAll({ action: "system", text: "again" }, { except: this });
    this.server.sendToGroup("lobby", { action: "players", list: [data.nickname] });
    this.server.sendToGroup("lobby", { action: "players", list: [] }, { except: this.id });
    this.server.sendTo(this.id, { action: "message", text: "hi", nickname: data.nickname });
    // @ts-expect-error -- no such action
    this.server.sendToAll({ action: "typo" });
    // @ts-expect-error -- `nickname` is a client message: the server cannot broadcast it
    this.server.sendToAll({ action: "nickname", nickname: "ada" });
    // @ts-expect-error -- `list` must be string[]
    this.server.sendToGroup("lobby", { action: "players", list: [1] });
    // @ts-expect-error -- `nickname` is missing
    this.server.sendTo(this.id, { action: "message", text: "hi" });
    // @ts-expect-error -- a field the message does not have
    this.server.sendTo(this.id, { action: "system", text: "hi", level: 3 });
  }

  async Network_message(): Promise<void> {
    const count: number = await this.server.count("lobby");
    const ids: string[] = (await this.server.members()).map((member) => member.id);
    void [count, ids];
    // @ts-expect-error -- the runtime's wiring is not part of what a handler sees
    this.server.channelJoined(this, "lobby");
  }
}

/** A subclass that declares its own server reaches that server's members, and stays typed. */
export class RoomChannel extends ChatChannel {
  declare readonly server: Room;

  Network_nickname(data: ChatClientMessages["nickname"]): void {
    this.server.announce(`${data.nickname} joined`);
    this.server.sendToAll({ action: "players", list: [data.nickname] });
    // @ts-expect-error -- still the protocol's server messages only
    this.server.sendToAll({ action: "typo" });
    // @ts-expect-error -- still the protocol's server messages only
    this.server.sendToGroup("lobby", { action: "system" });
  }

  Network_message(): void {}
}

export class Room extends ChatServer<RoomChannel> {
  announce(text: string): void {
    this.sendToAll({ action: "system", text });
    // @ts-expect-error -- the server's own sends are typed too
    this.sendToAll({ action: "system", text: 1 });
  }
}

export class ForeignServerChannel extends ChatChannel {
  // @ts-expect-error -- a server of another protocol is not this channel's server
  declare readonly server: KitchenSinkServer;

  Network_nickname(): void {}
  Network_message(): void {}
}
