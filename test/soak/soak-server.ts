/**
 * The server of `npm run soak`: a small chat server in a process of its own.
 * Clients `join` a room and `say` things; the server sends each line to the
 * whole room, the sender included, encoded once (`sendToGroup`).
 *
 * It talks to the soak over IPC: `{ type: "ready", port }` once listening;
 * `{ type: "stats", gc? }` is answered with {@link SoakServerStats} (after a
 * full garbage collection when `gc` is set; the process runs with
 * `--expose-gc`); `{ type: "stop" }` stops it.
 */
import { readdirSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { type AnyMessage, Channel, type RepodError, Server } from "../../runtime/index.ts";

export interface SoakServerStats {
  readonly type: "stats";
  /** Channels open now. */
  readonly channels: number;
  /** Rooms with at least one member now. */
  readonly rooms: number;
  readonly accepted: number;
  /** The most channels open at once, counted at every connect (not sampled). */
  readonly peakChannels: number;
  /** Lines received from clients. */
  readonly said: number;
  /** Frames written to room members (a line times the room's size). */
  readonly delivered: number;
  readonly errors: Record<string, number>;
  readonly rss: number;
  readonly peakRss: number;
  readonly heapUsed: number;
  /** Memory outside the JavaScript heap that V8 accounts for (buffers). */
  readonly external: number;
  /** Open file descriptors of the server process. */
  readonly fds: number;
  readonly peakFds: number;
  /** The server's event-loop delay since the last stats, p99 and max, in ms. */
  readonly loopDelayP99: number;
  readonly loopDelayMax: number;
}

/** For the soak's own test, proof that it can fail: "drop" silently drops every 100th line. */
const sabotage = process.env.SOAK_SABOTAGE ?? "";
const errors: Record<string, number> = {};
const rooms = new Map<string, number>();
let accepted = 0;
let peakChannels = 0;
let said = 0;
let delivered = 0;

class ChatChannel extends Channel {
  room: string | undefined;

  Network_join(data: AnyMessage): void {
    const room = String(data.room);
    if (this.room !== undefined) return;
    this.room = room;
    this.join(room);
    rooms.set(room, (rooms.get(room) ?? 0) + 1);
  }

  Network_say(data: AnyMessage): void {
    if (this.room === undefined) return;
    said++;
    if (sabotage === "drop" && said % 100 === 0) return;
    delivered += rooms.get(this.room) ?? 0;
    this.server.sendToGroup(this.room, { action: "said", from: this.id, seq: data.seq, sent: data.sent, text: data.text } as AnyMessage);
  }

  override onClose(): void {
    if (this.room === undefined) return;
    const left = (rooms.get(this.room) ?? 1) - 1;
    if (left > 0) rooms.set(this.room, left);
    else rooms.delete(this.room);
  }

  override onError(error: RepodError): void {
    errors[error.code] = (errors[error.code] ?? 0) + 1;
  }
}

class ChatServer extends Server<ChatChannel> {
  override onConnect(): void {
    accepted++;
    peakChannels = Math.max(peakChannels, this.channels.size);
  }
}

function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

async function main(): Promise<void> {
  const server = new ChatServer({ channelClass: ChatChannel, port: 0 });
  await server.start();
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  let peakRss = process.memoryUsage.rss();
  let peakFds = openFds();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    peakFds = Math.max(peakFds, openFds());
  }, 250);
  const send = (message: object): void => void process.send?.(message);
  process.on("message", (message: { type?: string; gc?: boolean }) => {
    if (message.type === "stats") {
      if (message.gc) (globalThis as { gc?: () => void }).gc?.();
      const memory = process.memoryUsage();
      const fds = openFds();
      peakRss = Math.max(peakRss, memory.rss);
      peakFds = Math.max(peakFds, fds);
      const stats: SoakServerStats = {
        type: "stats",
        channels: server.channels.size,
        rooms: rooms.size,
        accepted,
        said,
        delivered,
        errors: { ...errors },
        rss: memory.rss,
        peakRss,
        heapUsed: memory.heapUsed,
        external: memory.external,
        fds,
        peakFds,
        peakChannels,
        loopDelayP99: loopDelay.percentile(99) / 1e6,
        loopDelayMax: loopDelay.max / 1e6,
      };
      loopDelay.reset();
      send(stats);
    } else if (message.type === "stop") {
      clearInterval(sampler);
      void server.stop().then(() => process.exit(0));
    }
  });
  process.on("disconnect", () => process.exit(0));
  send({ type: "ready", port: server.address.port });
}

await main();
