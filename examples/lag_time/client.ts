/**
 * The lag_time client: answers 10 pings with the same count, then closes.
 * A broken connection does not stop it: it reconnects by itself and the
 * server's session resumes, so it still answers pings 0 to 9, each once.
 *
 *   npm run lag_time:client -- [host:port]
 */
import type { ConnectedEvent, DisconnectedEvent, ErrorEvent, ReconnectedEvent, ReconnectingEvent } from "repod";
import { LagTimeListener, type LagTimeServerMessages } from "../../generated/lag_time.ts";
import { exampleArgs, isMain } from "../args.ts";

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

  Network_reconnecting(data: ReconnectingEvent): void {
    this.print(`connection lost (${data.code}), reconnecting: attempt ${data.attempt} in ${data.delayMs} ms`);
  }

  Network_reconnected(_data: ReconnectedEvent): void {
    this.print("reconnected, nothing lost");
  }

  Network_disconnected(_data: DisconnectedEvent): void {
    this.print(`disconnected after answering ${this.answered} pings`);
    this.done = true;
  }
}

if (isMain(import.meta.url)) {
  const { host, port } = exampleArgs();
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
