/**
 * The reference: the least a Node server can do to speak the wire format —
 * bare `node:net`, msgpackr, framing written by hand, no validation, no
 * error reporting, no limits. Each broadcast is encoded once and the same
 * buffer is written to every socket, all sockets corked for the burst. It is
 * the practical limit our runtime is measured against, not a server anyone
 * should ship.
 */
import net from "node:net";
import { Packr, Unpackr } from "msgpackr";
import { serveBench } from "./serve.ts";

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

function frame(message: object): Buffer {
  const body = packr.pack(message);
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}

interface Message {
  action: string;
  [field: string]: unknown;
}

const sockets = new Set<net.Socket>();
const greeting = frame({ action: "connected" });

function broadcast(count: number): void {
  for (const socket of sockets) socket.cork();
  for (let n = 0; n < count; n++) {
    const bytes = frame({ action: "tick", n });
    for (const socket of sockets) socket.write(bytes);
  }
  for (const socket of sockets) socket.uncork();
}

const server = net.createServer({ noDelay: true }, (socket) => {
  sockets.add(socket);
  let pending: Buffer | null = null;
  let moves = 0;
  const handle = (message: Message): void => {
    switch (message.action) {
      case "ping":
        socket.write(frame({ action: "pong", seq: message.seq }));
        break;
      case "move":
        moves++;
        break;
      case "done":
        socket.write(frame({ action: "counted", n: moves }));
        moves = 0;
        break;
      case "fanout":
        broadcast(message.count as number);
        break;
    }
  };
  socket.on("data", (chunk: Buffer) => {
    const buffer = pending ? Buffer.concat([pending, chunk]) : chunk;
    let offset = 0;
    while (buffer.length - offset >= 4) {
      const length = buffer.readUInt32BE(offset);
      if (buffer.length - offset - 4 < length) break;
      handle(unpackr.unpack(buffer.subarray(offset + 4, offset + 4 + length)) as Message);
      offset += 4 + length;
    }
    pending = offset < buffer.length ? buffer.subarray(offset) : null;
  });
  socket.on("error", () => {});
  socket.on("close", () => sockets.delete(socket));
  socket.write(greeting);
});

server.listen(0, "127.0.0.1", () => {
  serveBench((server.address() as net.AddressInfo).port, async () => {
    server.close();
    for (const socket of sockets) socket.destroy();
  });
});
