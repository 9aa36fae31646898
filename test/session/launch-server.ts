/**
 * A server run as its own process by the shutdown test: it prints its port,
 * and on `burst` queues `count` messages to its client and sends itself
 * SIGTERM in the same tick, as an operator's `kill` would.
 */
import { type AnyMessage, Channel, Server } from "../../runtime/index.ts";

class Bursting extends Channel {
  Network_burst(data: AnyMessage): void {
    for (let i = 0; i < Number(data.count); i++) this.send({ action: "item", i });
    process.kill(process.pid, "SIGTERM");
  }
}

const server = new Server({ channelClass: Bursting, port: 0 });
const running = server.launch();
await new Promise((resolve) => setTimeout(resolve, 0));
while (!server.isRunning) await new Promise((resolve) => setTimeout(resolve, 5));
process.stdout.write(`port ${server.address.port}\n`);
await running;
process.stdout.write("stopped\n");
