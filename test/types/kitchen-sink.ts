/**
 * Type-level fixtures for the kitchen sink SDK: every field type as a
 * TypeScript type, and a complete implementation that compiles.
 */
import {
  type KitchenSinkClientRequests as Asks,
  type KitchenSinkClientMessages as In,
  type Json,
  KitchenSinkChannel,
  type KitchenSinkClientReplies,
  KitchenSinkListener,
  KitchenSinkServer,
  type KitchenSinkServerMessages as Out,
  type Player,
  type KitchenSinkServerRequests as Questions,
  type Shape,
} from "../../generated/kitchen_sink.ts";

export class SinkChannel extends KitchenSinkChannel {
  Network_join(data: In["join"]): void {
    const team: "red" | "blue" | undefined = data.team;
    void team;
  }
  Network_move(data: In["move"]): void {
    const [x, y]: [number, number] = data.at;
    void (x + y);
  }
  Network_say(data: In["say"]): void {
    const to: string | null = data.to;
    void to;
  }
  Network_draw(data: In["draw"]): void {
    const shape: Shape = data.shape;
    if (shape.kind === "circle") void shape.radius;
    else void shape.area.max.x;
  }
  Network_upload(data: In["upload"]): void {
    const bytes: Uint8Array = data.data;
    void bytes;
  }
  Network_settings(data: In["settings"]): void {
    const v: number | string | boolean | undefined = data.values["volume"];
    void v;
  }
  Network_ping(): void {
    this.send({ action: "ack" });
  }
  Network_post(data: In["post"]): void {
    void data.thread.replies[0]?.replies;
  }
  Network_vote(data: In["vote"]): void {
    const option: 1 | 2 | 3 = data.option;
    void option;
  }
  Network_select(data: In["select"]): void {
    // @ts-expect-error -- readonly arrays cannot be pushed to
    data.ids.push(1);
  }
  Network_teleport(data: In["teleport"]): void {
    void (data.x + data.y);
  }
  Network_store(data: In["store"]): void {
    const value: Json = data.value;
    void value;
  }
  Network_mixed(data: In["mixed"]): void {
    void data.either;
  }
  Network_aim(data: In["aim"]): void {
    void data.at;
  }
  Network_nested(data: In["nested"]): void {
    void data.outer.inner.list?.[0]?.k;
  }
  Network_odd(data: In["odd"]): void {
    void data.valueOf;
  }
  async Request_sit(data: Asks["sit"]): Promise<KitchenSinkClientReplies["sit"]> {
    const table: string = data.table;
    void table;
    const yes: boolean = await this.request("confirm", { question: "sit?" }, { timeoutMs: 1000 });
    return { seat: yes ? 1 : 0, players: [] };
  }
  Request_time(): number {
    return 0;
  }
  Request_locate(data: Asks["locate"]): Shape | null {
    return data.x > 0 ? { kind: "circle", center: { x: data.x, y: data.y }, radius: 1 } : null;
  }
}

export class SinkListener extends KitchenSinkListener {
  Network_welcome(data: Out["welcome"]): void {
    const you: Player = data.you;
    // @ts-expect-error -- id is readonly
    you.id = 2;
  }
  Network_state(data: Out["state"]): void {
    void data.positions["ada"]?.x;
  }
  Network_kicked(data: Out["kicked"]): void {
    void data.minutes;
  }
  Network_ack(): void {}
  Request_confirm(data: Questions["confirm"]): boolean {
    return data.question.length > 0;
  }
}

export function sends(channel: SinkChannel, listener: SinkListener): void {
  const player: Player = { id: 1, name: "ada", team: "red", pos: { x: 0, y: 0 }, score: null };
  channel.send({ action: "welcome", you: player, players: [], board: { min: { x: 0, y: 0 }, max: { x: 1, y: 1 } }, monsters: [] });
  channel.send({ action: "state", tick: 1, positions: { ada: { x: 1, y: 2 } }, shapes: [{ kind: "circle", center: { x: 0, y: 0 }, radius: 1 }] });
  channel.send({ action: "kicked", reason: "idle" });
  // @ts-expect-error -- not one of the reasons
  channel.send({ action: "kicked", reason: "bored" });
  // @ts-expect-error -- a circle has no `area`
  channel.send({ action: "state", tick: 1, positions: {}, shapes: [{ kind: "circle", area: { min: { x: 0, y: 0 }, max: { x: 0, y: 0 } } }] });
  listener.send({ action: "teleport", x: 1, y: 2 });
  listener.send({ action: "store", key: "k", value: { a: [1, "x", null, { b: true }] } });
  listener.send({ action: "mixed", either: { x: 1, y: 2 }, pair: ["a", 1] });
  listener.send({ action: "upload", name: "a", data: new Uint8Array(1), chunks: [] });
  // @ts-expect-error -- `at` is a tuple of two numbers
  listener.send({ action: "move", dir: "north", run: true, at: [1, 2, 3] });
  // @ts-expect-error -- not a direction
  listener.send({ action: "move", dir: "up", run: true, at: [1, 2] });
  // @ts-expect-error -- teleport needs y
  listener.send({ action: "teleport", x: 1 });
  // @ts-expect-error -- `welcome` is sent by the server only
  listener.send({ action: "welcome", you: player, players: [], board: { min: { x: 0, y: 0 }, max: { x: 1, y: 1 } }, monsters: [] });
  const server = new KitchenSinkServer({ channelClass: SinkChannel });
  server.sendToAll({ action: "ack" });
  // @ts-expect-error -- ping is a client message
  server.sendToAll({ action: "ping" });
}
