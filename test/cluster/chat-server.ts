/**
 * A small chat server for the cluster harness's own tests and for the
 * cluster benchmark until a cluster fixture exists: untyped, so it needs no
 * protocol file. It speaks what the fleet (fleet.ts) expects:
 *
 * - `join {room}`: the channel joins that group;
 * - `line {seq, text}`: the server counts the line (`count`, per channel)
 *   and sends `line {from, seq, count, text}` to the sender's room, the
 *   sender included.
 *
 * `sabotage` makes it break its promises on purpose at chosen sequence
 * numbers (every sender's line of that `seq`), so the fleet's counters are
 * shown to catch each kind of fault:
 * - `drop-up`: the line is ignored (as if it never reached the server);
 * - `dup-up`: the line is applied twice;
 * - `swap-up`: the line is applied after the sender's next one;
 * - `drop-down`: everyone but the sender gets it;
 * - `dup-down`: the sender gets it twice;
 * - `swap-down`: the sender gets it after its next one.
 *
 * As a process (`processes.ts`' `startServer`):
 * `test/cluster/chat-server.ts --port 0 [--redis <url>] [--prefix P]` prints
 * `{"listening":port}` and stops cleanly (exit 0) on SIGTERM.
 */
import { parseArgs } from "node:util";
import { isMain } from "../../examples/args.ts";
import { type Adapter, type AnyMessage, Channel, Server, type ServerOptions } from "../../runtime/index.ts";
import { RedisAdapter } from "../../runtime/redis.ts";

export type Sabotage = "drop-up" | "dup-up" | "swap-up" | "drop-down" | "dup-down" | "swap-down";

export class ChatChannel extends Channel {
  room: string | undefined;
  /** Lines applied from this client: what a cluster fixture keeps in its `Session`. */
  count = 0;
  /** A line held back by a `swap-*` sabotage until the next one: to apply, or to send to this client. */
  private held: { kind: "swap-up"; data: AnyMessage } | { kind: "swap-down"; line: AnyMessage } | undefined;
  declare readonly server: ChatServer;

  Network_join(data: AnyMessage): void {
    if (this.room !== undefined) this.leave(this.room);
    this.room = String(data.room);
    this.join(this.room);
  }

  Network_line(data: AnyMessage): void {
    if (this.room === undefined) return;
    const held = this.held;
    this.held = undefined;
    switch (this.server.sabotage.get(Number(data.seq))) {
      case "drop-up":
        break;
      case "dup-up":
        this.apply(data);
        this.apply(data);
        break;
      case "swap-up":
        this.held = { kind: "swap-up", data };
        break;
      case "drop-down":
        this.apply(data, { except: this });
        break;
      case "dup-down":
        this.send(this.apply(data));
        break;
      case "swap-down":
        this.held = { kind: "swap-down", line: this.apply(data, { except: this }) };
        break;
      default:
        this.apply(data);
    }
    if (held?.kind === "swap-up") this.apply(held.data);
    if (held?.kind === "swap-down") this.send(held.line);
  }

  /** Counts the line and sends it to the room; returns what was sent. */
  private apply(data: AnyMessage, options?: { except: ChatChannel }): AnyMessage {
    this.count++;
    const line: AnyMessage = { action: "line", from: this.id, seq: data.seq, count: this.count, text: data.text };
    this.server.sendToGroup(this.room!, line, options);
    return line;
  }
}

export interface ChatServerOptions extends Omit<ServerOptions<ChatChannel>, "channelClass"> {
  adapter?: Adapter;
}

export class ChatServer extends Server<ChatChannel> {
  /** Which sequence numbers to break, and how (see the file's comment). */
  sabotage = new Map<number, Sabotage>();

  constructor(options: ChatServerOptions = {}) {
    super({ port: 0, ...options, channelClass: ChatChannel });
  }
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: { port: { type: "string", default: "0" }, redis: { type: "string" }, prefix: { type: "string", default: "repod-cluster" } },
    strict: true,
  });
  const server = new ChatServer({
    port: Number(values.port),
    adapter: values.redis ? new RedisAdapter({ url: values.redis, prefix: values.prefix }) : undefined,
  });
  await server.start();
  process.stdout.write(`${JSON.stringify({ listening: server.address.port })}\n`);
  process.once("SIGTERM", () => void server.stop().then(() => process.exit(0)));
}
