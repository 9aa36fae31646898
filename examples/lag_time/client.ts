/**
 * The lag_time client: answers 10 pings with the same count, then closes.
 *
 *   npm run lag_time:client -- [host:port]
 */
import type { ConnectedEvent, DisconnectedEvent, ErrorEvent } from "repod";
import { LagTimeListener, type LagTimeServerMessages } from "../../generated/lag_time.ts";
import { isMain, parseArgs } from "../args.ts";

export class LagTimeClient extends LagTimeListener {
  answered = 0;
  done = false;

  constructor(
    readonly pings = 10,
    private readonly print: (line: string) => void = console.log,
  ) {
    super();
  }

  Network_connected(_data: ConnectedEvent): void {
    this.print("connected to the server");
  }

  Network_ping(data: LagTimeServerMessages["ping"]): void {
    if (this.answered >= this.pings) return;
    this.print(`got ping ${data.count}`);
    this.send({ action: "ping", count: data.count });
    if (++this.answered === this.pings) this.close();
  }

  Network_error(data: ErrorEvent): void {
    this.print(`error ${data.code}: ${data.message}`);
  }

  Network_disconnected(_data: DisconnectedEvent): void {
    this.print(`disconnected after answering ${this.answered} pings`);
    this.done = true;
  }
}

if (isMain(import.meta.url)) {
  const { host, port } = parseArgs();
  const client = new LagTimeClient();
  await client.connect(host, port);
  const loop = setInterval(() => {
    client.pump();
    if (client.done) {
      clearInterval(loop);
      process.exitCode = client.answered === client.pings ? 0 : 1;
    }
  }, 1000 / 60);
}
