/**
 * A crash just after a resume on the same server. With cluster sessions a
 * server acknowledges (heartbeat and `_resumed`) only what its last
 * checkpoint holds, so that a client keeps every frame the cluster could
 * not give back. A client whose connection broke resumes on its own server
 * after it sent more: the server asks for the frames after its checkpoint
 * again and skips those it had applied; when that server then dies before
 * its next checkpoint, the client still has them for the server that
 * recovers the session.
 *
 * The fixture checkpoints only when told (SIGUSR2), so the crash falls
 * between two checkpoints by construction, not by timing.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { ConnectedEvent, ErrorEvent } from "../../runtime/index.ts";
import { waitFor } from "../helpers/wait.ts";
import { ClusterListener, type ClusterServerMessages } from "./fixtures/cluster.ts";
import { type Backend, startLoadBalancer } from "./load-balancer.ts";
import { type ServerProcess, startRedis, startServer, stopAll } from "./processes.ts";

const SCRIPT = "test/cluster/fixtures/server.ts";

afterAll(stopAll);

class Chatter extends ClusterListener {
  readonly ids: string[] = [];
  readonly errors: string[] = [];
  readonly lines: number[] = [];
  reconnected = 0;
  joined = 0;
  stats: ClusterServerMessages["stats"] | undefined;
  Network_connected(event: ConnectedEvent): void {
    if (typeof event.id === "string") this.ids.push(event.id);
  }
  Network_error(event: ErrorEvent): void {
    this.errors.push(`${event.code}: ${event.message}`);
  }
  Network_reconnected(): void {
    this.reconnected++;
  }
  Network_joined(): void {
    this.joined++;
  }
  Network_line(data: ClusterServerMessages["line"]): void {
    this.lines.push(data.seq);
  }
  Network_resumedOn(): void {}
  Network_stats(data: ClusterServerMessages["stats"]): void {
    this.stats = data;
  }
  say(from: number, to: number): void {
    for (let seq = from; seq < to; seq++) this.send({ action: "line", seq, text: `line ${seq}` });
  }
  async askStats(): Promise<ClusterServerMessages["stats"]> {
    this.stats = undefined;
    this.send({ action: "stats" });
    await waitFor(() => this.stats !== undefined, "the stats");
    return this.stats!;
  }
}

/** Makes `server` checkpoint now; resolves once it has (its `{"checkpointed":n}` line). */
async function checkpoint(server: ServerProcess, n: number): Promise<void> {
  process.kill(server.pid, "SIGUSR2");
  await waitFor(() => server.output().includes(`{"checkpointed":${n}}`), `checkpoint ${n}`);
}

describe("a crash after a resume on the same server (cluster sessions)", () => {
  it("recovers the session from the checkpoint before the resume: what the client sent since is resent and applied once", async () => {
    const redis = await startRedis();
    const args = ["--port", "0", "--redis", redis.url, "--heartbeat-ms", "200", "--checkpoint-ms", "3600000"];
    const [a, b] = await Promise.all([startServer(SCRIPT, args), startServer(SCRIPT, args)]);
    let backends: Backend[] = [{ host: "127.0.0.1", port: a.port }];
    const lb = await startLoadBalancer({ backends: () => backends });
    const client = new Chatter({ reconnectAttempts: 100, reconnectMaxDelayMs: 200 });
    try {
      await client.connect("127.0.0.1", lb.port);
      client.pump();
      const pumping = setInterval(() => client.pump(), 2);
      try {
        await waitFor(() => client.ids.length === 1, "connected");
        client.send({ action: "join", room: "r" });
        client.say(0, 5);
        await waitFor(() => client.lines.length === 5, "lines 0-4 back");
        await checkpoint(a, 1); // the session, with lines 0-4 applied
        client.say(5, 10);
        await waitFor(() => client.lines.length === 10, "lines 5-9 back");
        // The connection breaks; the client resumes on the same server (the only one the balancer knows).
        lb.cutAll();
        await waitFor(() => client.reconnected === 1, "resumed on the same server");
        // The server skipped what it had applied of what the client resent: each line once.
        expect(await client.askStats()).toMatchObject({ count: 10, lastSeq: 9 });
        // The server dies before its next checkpoint; the other one recovers the session.
        backends = [{ host: "127.0.0.1", port: b.port }];
        await a.kill();
        await waitFor(() => client.reconnected === 2 || client.errors.length > 0, "resumed after the crash");
        expect(client.errors).toEqual([]);
        expect(client.ids).toHaveLength(1);
        // (The recovering server applies again what the dead one applied after its checkpoint, the first `stats`
        // included, whose answer then comes again: the window the README states. The last answer is the one to read.)
        client.say(10, 12);
        client.send({ action: "stats" });
        await waitFor(() => client.stats?.lastSeq === 11, `the stats after line 11 (last: ${JSON.stringify(client.stats)})`);
        expect(client.stats).toMatchObject({ id: client.ids[0], count: 12, lastSeq: 11 });
      } finally {
        clearInterval(pumping);
      }
    } finally {
      client.close();
      await lb.close();
      await Promise.all([a.kill(), b.kill()]);
      await redis.close();
    }
  }, 120_000);
});
