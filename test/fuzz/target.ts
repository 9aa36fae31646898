/**
 * The server the fuzzer attacks, run as a child process so that a crash is
 * seen as what it is (the process dies) and memory is measured apart from
 * the attacker's.
 *
 * Two servers listen: an untyped one that echoes `echo`, joins and leaves
 * groups and shouts to a group, and a typed one on the generated
 * kitchen-sink protocol (every type the generator knows, recursive ones
 * included), whose validators see every hostile message first. Both count
 * every error their channels report, by code. The parent talks to it over
 * the IPC channel: it sends `{ type: "ready", port, typedPort }` once listening, answers
 * `{ type: "stats" }` with {@link TargetStats}, and stops on `{ type: "stop" }`.
 */

import { KitchenSinkChannel } from "../../generated/kitchen_sink.ts";
import { type AnyMessage, Channel, type RepodError, Server } from "../../runtime/index.ts";

export interface TargetStats {
  readonly type: "stats";
  /** Errors reported by channels, by code. */
  readonly errors: Record<string, number>;
  /** Connections accepted so far by the untyped server. */
  readonly accepted: number;
  /** Channels open now. */
  readonly channels: number;
  /** Messages that reached a handler or networkReceived. */
  readonly dispatched: number;
  readonly rss: number;
  readonly peakRss: number;
  readonly heapUsed: number;
  /** ArrayBuffer memory V8 accounts for (frame bodies being gathered, among others). */
  readonly arrayBuffers: number;
}

/**
 * For the fuzzer's own tests, proof that it can fail: "drop" silently drops
 * every 50th echo, "crash" throws out of the event loop after 500 messages.
 */
const sabotage = process.env.FUZZ_SABOTAGE ?? "";
const errors: Record<string, number> = {};
let accepted = 0;
let dispatched = 0;

class FuzzChannel extends Channel {
  Network_echo(data: AnyMessage): void {
    dispatched++;
    if (sabotage === "drop" && dispatched % 50 === 0) return;
    if (sabotage === "crash" && dispatched >= 500) {
      setImmediate(() => {
        throw new Error("sabotaged");
      });
    }
    this.send(data);
  }
  Network_join(data: AnyMessage): void {
    dispatched++;
    this.join(String(data.group).slice(0, 16));
  }
  Network_leave(data: AnyMessage): void {
    dispatched++;
    this.leave(String(data.group).slice(0, 16));
  }
  Network_shout(data: AnyMessage): void {
    dispatched++;
    this.server.sendToGroup(String(data.group).slice(0, 16), { action: "shout", from: this.id } as AnyMessage, { except: this });
  }
  networkReceived(): void {
    dispatched++; // unknown actions are the normal case here
  }
  override onError(error: RepodError): void {
    errors[error.code] = (errors[error.code] ?? 0) + 1;
  }
}

/** The typed side: handlers only count; `store` with key "probe" answers, so the fuzzer can ask whether it is still served. */
class TypedChannel extends KitchenSinkChannel {
  Network_join(): void {
    dispatched++;
  }
  Request_sit(): { seat: number; players: [] } {
    dispatched++;
    return { seat: 0, players: [] };
  }
  Request_time(): number {
    dispatched++;
    return 0;
  }
  Request_locate(): null {
    dispatched++;
    return null;
  }
  Network_move(): void {
    dispatched++;
  }
  Network_say(): void {
    dispatched++;
  }
  Network_draw(): void {
    dispatched++;
  }
  Network_upload(): void {
    dispatched++;
  }
  Network_settings(): void {
    dispatched++;
  }
  Network_ping(): void {
    dispatched++;
  }
  Network_post(): void {
    dispatched++;
  }
  Network_vote(): void {
    dispatched++;
  }
  Network_select(): void {
    dispatched++;
  }
  Network_teleport(): void {
    dispatched++;
  }
  Network_store(data: { key: string; value: unknown }): void {
    dispatched++;
    if (data.key === "probe") this.send({ action: "echo", probe: data.value } as never);
  }
  Network_mixed(): void {
    dispatched++;
  }
  Network_aim(): void {
    dispatched++;
  }
  Network_nested(): void {
    dispatched++;
  }
  Network_odd(): void {
    dispatched++;
  }
  override onError(error: RepodError): void {
    errors[error.code] = (errors[error.code] ?? 0) + 1;
  }
}

class FuzzTarget extends Server<FuzzChannel> {
  override onConnect(): void {
    accepted++;
  }
}

/**
 * A hostile peer may send a well-formed `_hello` and then break its
 * connection: that is a session of ours, kept for the resume window. A short
 * window lets such sessions end before the final check that every channel
 * is released (which waits `patienceMs`, 5 s by default).
 */
const RESUME_WINDOW_MS = 1000;

async function main(): Promise<void> {
  const maxFrameBytes = Number(process.env.FUZZ_MAX_FRAME_BYTES) || undefined;
  const server = new FuzzTarget({ channelClass: FuzzChannel, port: 0, maxFrameBytes, resumeWindowMs: RESUME_WINDOW_MS });
  await server.start();
  const typed = new Server({ channelClass: TypedChannel, port: 0, maxFrameBytes, resumeWindowMs: RESUME_WINDOW_MS });
  await typed.start();
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
  const send = (message: object): void => void process.send?.(message);
  process.on("message", (message: { type?: string }) => {
    if (message.type === "stats") {
      const memory = process.memoryUsage();
      peakRss = Math.max(peakRss, memory.rss);
      const stats: TargetStats = {
        type: "stats",
        errors: { ...errors },
        accepted,
        channels: server.channels.size + typed.channels.size,
        dispatched,
        rss: memory.rss,
        peakRss,
        heapUsed: memory.heapUsed,
        arrayBuffers: memory.arrayBuffers,
      };
      send(stats);
    } else if (message.type === "stop") {
      clearInterval(sampler);
      void Promise.all([server.stop(), typed.stop()]).then(() => process.exit(0));
    }
  });
  // The parent went away (killed, crashed): do not linger.
  process.on("disconnect", () => process.exit(0));
  send({ type: "ready", port: server.address.port, typedPort: typed.address.port });
}

await main();
