/**
 * Type-level fixtures for authentication (checked by `tsc --noEmit`, never
 * run): `connect()` takes the protocol's `Auth`, `authenticate` gets it and
 * must return the channel's user (or a refusal), `channel.user` is typed.
 */
import { type Auth, ChatChannel, type ChatClientMessages, type ChatListener, ChatServer } from "../../generated/chat.ts";
import { type AuthInfo, refuse } from "../../runtime/index.ts";

interface Player {
  name: string;
  level: number;
}

class PlayerChannel extends ChatChannel<Player> {
  Network_nickname(_data: ChatClientMessages["nickname"]): void {
    const level: number = this.user.level;
    void level;
    // @ts-expect-error a Player has no `token`
    void this.user.token;
  }
  Network_message(): void {}
}

export class GoodServer extends ChatServer<PlayerChannel> {
  override async authenticate(auth: Auth, info: AuthInfo) {
    if (info.transport === "websocket" && auth.nickname === "") return refuse("choose a nickname");
    return { name: auth.nickname, level: 1 };
  }
}

export class WrongUserServer extends ChatServer<PlayerChannel> {
  // @ts-expect-error the user must be a Player
  override authenticate(auth: Auth) {
    return { name: auth.nickname };
  }
}

export class WrongAuthServer extends ChatServer<PlayerChannel> {
  // @ts-expect-error the credential is the protocol's Auth, which has no `token`
  override authenticate(auth: { token: string }) {
    return { name: auth.token, level: 1 };
  }
}

declare const listener: ChatListener;
void listener.connect("127.0.0.1", 5071, { auth: { nickname: "ada" } });
void listener.connect("ws://127.0.0.1:5072/", { auth: { nickname: "ada" } });
void listener.connect("127.0.0.1", 5071);
// @ts-expect-error the credential must match Auth
void listener.connect("127.0.0.1", 5071, { auth: { token: "x" } });
// @ts-expect-error nickname is a string
void listener.connect("ws://127.0.0.1:5072/", { auth: { nickname: 3 } });
