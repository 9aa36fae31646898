/**
 * One server process of a scale-out test or benchmark: a Server with the
 * Redis adapter, driven by its own clients. Each client message asks the
 * server to do one thing (join a group, send to all / a group / an id,
 * count); replies and sends carry numbers the test can check.
 *
 * Run: node --import tsx --conditions=repod-source scale-node.ts <redis url | "local"> [prefix] [heartbeatMs]
 * Prints one JSON line `{"port", "serverId"}` when listening, then one line
 * per server-level error (`{"error": code, "message"}`) and per adapter event.
 */
import { parseArgs } from "node:util";
import { type AnyMessage, Channel, LocalAdapter, type RepodError, Server } from "repod";
import { RedisAdapter } from "repod/redis";

const [url, prefix = "repod-test", heartbeat = "200"] = parseArgs({ allowPositionals: true, strict: true }).positionals;

class NodeChannel extends Channel {
  Network_join(data: AnyMessage): void {
    this.join(String(data.group));
    this.send({ action: "joined", group: data.group });
  }
  Network_leave(data: AnyMessage): void {
    this.leave(String(data.group));
    this.send({ action: "left", group: data.group });
  }
  Network_nick(data: AnyMessage): void {
    this.setPresence({ nick: String(data.nick) });
    this.send({ action: "nicked" });
  }
  Network_all(data: AnyMessage): void {
    this.server.sendToAll({ action: "all", n: data.n }, data.except ? { except: this } : undefined);
  }
  Network_group(data: AnyMessage): void {
    this.server.sendToGroup(String(data.group), { action: "group", n: data.n }, data.except ? { except: this } : undefined);
  }
  Network_to(data: AnyMessage): void {
    this.server.sendTo(String(data.id), { action: "to", n: data.n });
  }
  /** Many sends to all in one go, for the benchmark. */
  Network_burst(data: AnyMessage): void {
    const count = Number(data.count);
    for (let n = 0; n < count; n++) this.server.sendToAll({ action: "b", n });
  }
  Network_count(data: AnyMessage): void {
    const group = data.group === undefined ? undefined : String(data.group);
    this.server.count(group).then(
      (n) => this.send({ action: "count", ref: data.ref, n }),
      (error: RepodError) => this.send({ action: "count", ref: data.ref, error: error.code }),
    );
  }
  Network_members(data: AnyMessage): void {
    const group = data.group === undefined ? undefined : String(data.group);
    this.server.members(group).then(
      (list) => this.send({ action: "members", ref: data.ref, list: list.map((m) => ({ id: m.id, presence: m.presence ?? null })) }),
      (error: RepodError) => this.send({ action: "members", ref: data.ref, error: error.code }),
    );
  }
}

class NodeServer extends Server<NodeChannel> {
  override onError(error: RepodError, channel?: NodeChannel): void {
    if (!channel) console.log(JSON.stringify({ error: error.code, message: error.message }));
  }
}

const server = new NodeServer({
  channelClass: NodeChannel,
  port: 0,
  adapter: url === "local" ? new LocalAdapter() : new RedisAdapter({ url, prefix, heartbeatMs: Number(heartbeat) }),
  logger: (event) => {
    if (event.event.startsWith("adapter")) console.log(JSON.stringify(event));
  },
});
await server.start();
console.log(JSON.stringify({ port: server.address.port, serverId: server.serverId }));
process.once("SIGTERM", () => void server.stop().then(() => process.exit(0)));
