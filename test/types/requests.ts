/**
 * Type-level fixtures for requests (checked by `tsc --noEmit`, never run):
 * a forgotten `Request_*` handler, a wrong reply, a wrong argument or an
 * unknown request does not compile. Every line that must not compile
 * carries `@ts-expect-error`, which itself fails when the error goes away.
 */
import type { RepodError } from "repod";
import {
  type KitchenSinkClientRequests as Asks,
  KitchenSinkChannel,
  KitchenSinkListener,
  type KitchenSinkServerRequests as Questions,
  type KitchenSinkClientReplies as Replies,
  type Shape,
} from "../../generated/kitchen_sink.ts";
import { TagChannel, type TagClientReplies, type TagClientRequests, TagListener, type TagServerMessages } from "../../generated/tag.ts";
import { SinkChannel, SinkListener } from "./kitchen-sink.ts";

// A request the protocol declares but the channel forgets does not compile.
// @ts-expect-error -- Request_join is missing (Network_input is there)
export class MissingRequestHandler extends TagChannel {
  Network_input(): void {}
}

/** The same class with its handler compiles. */
export class CompleteTagChannel extends TagChannel {
  Network_input(): void {}
  Request_join(data: TagClientRequests["join"]): TagClientReplies["join"] {
    return { you: data.name, arena: { width: 1, height: 1, obstacles: [], playerRadius: 1 } };
  }
}

// @ts-expect-error -- Request_confirm is missing
export class ListenerWithoutAnswer extends KitchenSinkListener {
  Network_welcome(): void {}
  Network_state(): void {}
  Network_kicked(): void {}
  Network_ack(): void {}
}

export class WrongReply extends SinkChannel {
  // @ts-expect-error -- the reply of `time` is an Int, not a string
  override Request_time(): string {
    return "noon";
  }
}

export class WrongAsyncReply extends SinkChannel {
  // @ts-expect-error -- `sit` answers { seat, players }; `seat` is missing
  override async Request_sit(): Promise<{ players: [] }> {
    return { players: [] };
  }
}

export class WrongRequestParameter extends SinkChannel {
  // @ts-expect-error -- `locate` carries a Vec2, not a table
  override Request_locate(data: Asks["sit"]): Shape | null {
    void data;
    return null;
  }
}

export class WrongConfirm extends SinkListener {
  // @ts-expect-error -- the server asks for a boolean
  override Request_confirm(data: Questions["confirm"]): string {
    return data.question;
  }
}

/** A handler may answer with a promise, and the awaited reply is typed. */
export async function asks(channel: SinkChannel, listener: SinkListener, signal: AbortSignal): Promise<void> {
  const sat: Replies["sit"] = await listener.request("sit", { table: "t1", team: "red" }, { timeoutMs: 500, signal });
  const seat: number = sat.seat;
  void seat;
  const now: number = await listener.request("time", {});
  void now;
  const where: Shape | null = await listener.request("locate", { x: 1, y: 2 });
  void where;
  const yes: boolean = await channel.request("confirm", { question: "ready?" });
  void yes;

  // @ts-expect-error -- `table` is a string
  await listener.request("sit", { table: 3 });
  // @ts-expect-error -- `sit` needs a table
  await listener.request("sit", {});
  // @ts-expect-error -- not a request of the protocol
  await listener.request("dance", {});
  // @ts-expect-error -- `confirm` is the server's request, not the client's
  await listener.request("confirm", { question: "?" });
  // @ts-expect-error -- `sit` is the client's request, not the server's
  await channel.request("sit", { table: "t1" });
  // @ts-expect-error -- the reply of `time` is a number
  const wrong: string = await listener.request("time", {});
  void wrong;
  // @ts-expect-error -- no such option
  await listener.request("time", {}, { timeout: 5 });

  try {
    await listener.request("time", {});
  } catch (error) {
    const code: RepodError["code"] = (error as RepodError).code;
    if (code === "REQUEST_FAILED" || code === "REQUEST_TIMEOUT" || code === "ABORTED") void (error as RepodError).reason;
  }
}

/** Tag's join is a request: the reply is the arena. */
export class Runner extends TagListener {
  async start(): Promise<void> {
    const { you, arena } = await this.request("join", { name: "ada" });
    const id: string = you;
    const width: number = arena.width;
    void (id + width);
  }
  Network_state(data: TagServerMessages["state"]): void {
    void data.tick;
  }
  Network_tagged(): void {}
}

void KitchenSinkChannel;
