/**
 * The server under test: repod's `Server` with a channel that answers the
 * bench protocol, written as a game would write it.
 *
 * `--validate on|off` turns the protocol's validators on (the default, as
 * for users) or off.
 */
import { parseArgs } from "node:util";
import { BenchChannel, BenchServer, type BenchClientMessages } from "../../generated/bench.ts";
import { serveBench } from "./serve.ts";

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

  Network_fanout(data: BenchClientMessages["fanout"]): void {
    for (let n = 0; n < data.count; n++) this.server.sendToAll({ action: "tick", n });
  }
}

const server = new BenchServer<CountingChannel>({
  channelClass: CountingChannel,
  host: "127.0.0.1",
  port: 0,
  validate: parseArgs({ options: { validate: { type: "string", default: "on" } }, strict: true }).values.validate === "on",
});
await server.start();
serveBench(server.address.port, () => server.stop());
