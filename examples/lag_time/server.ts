/**
 * The lag_time server: pings each client as soon as it connects and again
 * after every answer, prints each round trip, and prints min / median / max
 * for that client when it leaves.
 *
 *   npm run lag_time:server -- [host:port] [--heartbeat-ms N] [--timeout-ms N]
 *
 * (default 127.0.0.1:5071; the heartbeat finds a silently dead connection
 * within timeout + heartbeat ms, 10 s by default. Clients follow the server's numbers.)
 */
import type { ServerOptions } from "repod";
import { LagTimeChannel, type LagTimeClientMessages, LagTimeServer } from "../../generated/lag_time.ts";
import { exampleArgs, isMain, numberOption } from "../args.ts";

export class PingChannel extends LagTimeChannel {
  declare readonly server: LagTime;
  /** Round-trip times in milliseconds, in order. */
  readonly rtts: number[] = [];
  private count = 0;
  private sentAt = 0;

  ping(): void {
    this.sentAt = performance.now();
    this.send({ action: "ping", count: this.count });
  }

  Network_ping(data: LagTimeClientMessages["ping"]): void {
    if (data.count !== this.count) return; // not the ping we are waiting for
    const rtt = performance.now() - this.sentAt;
    this.rtts.push(rtt);
    this.server.print(`${this.addr.join(":")} ping ${data.count} round trip ${rtt.toFixed(3)} ms`);
    this.count++;
    this.ping();
  }
}

/** min / median / max of some round trips, in ms. */
export function stats(rtts: readonly number[]): { min: number; median: number; max: number } {
  const sorted = [...rtts].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: sorted[0]!, median, max: sorted[sorted.length - 1]! };
}

export class LagTime extends LagTimeServer<PingChannel> {
  constructor(
    options: ServerOptions<PingChannel> = {},
    readonly print: (line: string) => void = console.log,
  ) {
    super({ channelClass: PingChannel, ...options });
  }

  override onConnect(channel: PingChannel): void {
    this.print(`${channel.addr.join(":")} connected`);
    channel.ping();
  }

  override onDisconnect(channel: PingChannel): void {
    if (channel.rtts.length === 0) return this.print(`${channel.addr.join(":")} left before answering`);
    const { min, median, max } = stats(channel.rtts);
    this.print(
      `${channel.addr.join(":")} left after ${channel.rtts.length} pings: min ${min.toFixed(3)} ms, median ${median.toFixed(3)} ms, max ${max.toFixed(3)} ms`,
    );
  }
}

if (isMain(import.meta.url)) {
  const { host, port, values } = exampleArgs({ "heartbeat-ms": { type: "string" }, "timeout-ms": { type: "string" } });
  const heartbeatIntervalMs = numberOption("heartbeat-ms", values["heartbeat-ms"]);
  const server = new LagTime({ host, port, heartbeatIntervalMs, timeoutMs: numberOption("timeout-ms", values["timeout-ms"]) });
  await server.start();
  console.log(`lag_time server listening on ${server.address.host}:${server.address.port}`);
  await server.launch();
}
