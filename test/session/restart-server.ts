/**
 * A server run as its own process by the restart test, so that it can be
 * killed outright: it listens on `PORT` (0 picks a free one), says
 * `{type: "listening", port}`, and answers `{type: "got"}` with every
 * message its channels received, in order.
 */
import { type AnyMessage, Channel, Server } from "../../runtime/index.ts";

const got: AnyMessage[] = [];

class Keeping extends Channel {
  networkReceived(data: AnyMessage): void {
    got.push(data);
  }
}

const server = new Server({ channelClass: Keeping, port: Number(process.env.PORT ?? 0) });
await server.start();
process.on("message", (message: { type?: string }) => {
  if (message.type === "got") process.send!({ type: "got", messages: got });
});
process.send!({ type: "listening", port: server.address.port });
