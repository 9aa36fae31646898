/**
 * The server under test: repod's `Server` with a channel that answers the
 * bench protocol, as a game would write it.
 *
 * `--validate on|off` turns the protocol's validators on (the default, as
 * for users) or off.
 */
import { Channel, Server } from "repod";
import {
  benchProtocol,
  type BenchClientMessage,
  type BenchServerMessage,
  type DoneMessage,
  type FanoutMessage,
  type PingMessage,
} from "./bench-protocol.ts";
import { option, serveBench } from "./serve.ts";

class BenchChannel extends Channel<BenchServerMessage, BenchClientMessage> {
  static override readonly protocol = benchProtocol;
  declare readonly server: Server<BenchChannel>;
  private moves = 0;

  Network_ping(data: PingMessage): void {
    this.send({ action: "pong", seq: data.seq });
  }

  Network_move(): void {
    this.moves++;
  }

  Network_done(_data: DoneMessage): void {
    this.send({ action: "counted", n: this.moves });
    this.moves = 0;
  }

  Network_fanout(data: FanoutMessage): void {
    for (let n = 0; n < data.count; n++) this.server.sendToAll({ action: "tick", n });
  }
}

const server = new Server<BenchChannel>({
  channelClass: BenchChannel,
  host: "127.0.0.1",
  port: 0,
  validate: option("validate", "on") === "on",
});
await server.start();
serveBench(server.address.port, () => server.stop());
