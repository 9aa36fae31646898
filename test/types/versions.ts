/**
 * Type-level fixtures for `supports()` (checked by `tsc --noEmit`, never run):
 * it takes the actions the side may send or ask, typed by the protocol version.
 */
import * as v1 from "../compat/v1/game.ts";
import * as v2 from "../compat/v2/game.ts";

export abstract class Player extends v2.GameChannel {
  greet(): void {
    if (this.supports("emoted")) this.send({ action: "emoted", name: "a", emote: "wave" });
    // @ts-expect-error a client message is not something the server sends
    this.supports("emote");
    // @ts-expect-error not an action of the protocol
    this.supports("dance");
    // A request the server asks.
    if (this.supports("ready")) void this.request("ready", {});
    // @ts-expect-error a request clients ask is not one the server asks
    this.supports("seat");
  }
}

export abstract class NewClient extends v2.GameListener {
  greet(): void {
    if (this.supports("seat")) void this.request("seat", { table: "red" });
    if (this.supports("emote")) this.send({ action: "emote", name: "wave" });
    // @ts-expect-error a request the server asks is not one clients ask
    this.supports("ready");
  }
}

export abstract class OldClient extends v1.GameListener {
  greet(): void {
    if (this.supports("chat")) this.send({ action: "chat", text: "hi" });
    // @ts-expect-error version 1 has no emote
    this.supports("emote");
  }
}
