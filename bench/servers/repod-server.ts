/**
 * The server under test: repod's `Server` with a channel that answers the
 * bench protocol, written as a game would write it.
 *
 * `--validate on|off` turns the protocol's validators on (the default, as
 * for users) or off. `--inspector off|on|watched`: no inspector (the
 * default), an inspector nobody watches, or one watched by a page's socket
 * opened in this same process (so the watcher's own work is counted too).
 * `--rate-limit on|off|never-close`: the default rate limits (as for users),
 * none, or the default limits without ever closing a client that keeps
 * exceeding them.
 */
import { parseArgs } from "node:util";
import type { RateLimitOptions } from "repod";
import WebSocket from "ws";
import { BenchChannel, type BenchClientMessages, type BenchClientReplies, type BenchClientRequests, BenchServer } from "../../generated/bench.ts";
import { serveBench } from "./serve.ts";

const { values: flags } = parseArgs({
  options: {
    validate: { type: "string", default: "on" },
    inspector: { type: "string", default: "off" },
    "rate-limit": { type: "string", default: "on" },
  },
  strict: true,
});

class CountingChannel extends BenchChannel {
  declare readonly server: BenchServer<CountingChannel>;
  private moves = 0;

  Network_ping(data: BenchClientMessages["ping"]): void {
    this.send({ action: "pong", seq: data.seq });
  }

  Network_move(): void {
    this.moves++;
  }

  Network_done(): void {
    this.send({ action: "counted", n: this.moves });
    this.moves = 0;
  }

  Request_echo(data: BenchClientRequests["echo"]): BenchClientReplies["echo"] {
    return { seq: data.seq };
  }

  Network_fanout(data: BenchClientMessages["fanout"]): void {
    for (let n = 0; n < data.count; n++) this.server.sendToAll({ action: "tick", n });
  }
}

const server = new BenchServer<CountingChannel>({
  channelClass: CountingChannel,
  host: "127.0.0.1",
  port: 0,
  validate: flags.validate === "on",
  inspector: flags.inspector === "off" ? undefined : { port: 0, token: "bench", intervalMs: 250 },
  rateLimit: rateLimit(flags["rate-limit"]!),
});

function rateLimit(value: string): RateLimitOptions | false {
  if (value === "off") return false;
  return value === "never-close" ? { closeAfter: Infinity } : {};
}
await server.start();
if (flags.inspector === "watched") {
  const page = new WebSocket(`${server.inspectorUrl!.replace(/^http/, "ws")}live`);
  page.on("open", () => page.send(JSON.stringify({ type: "auth", token: "bench" })));
  // Parsed as the page would, so its cost is counted.
  await new Promise<void>((resolve) => page.once("message", () => resolve()));
  page.on("message", (data) => JSON.parse(data.toString()));
}
serveBench(server.address.port, () => server.stop());
