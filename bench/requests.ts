/**
 * Requests beside messages: the round trip of `await listener.request("echo")`
 * (the server's `Request_echo` answers) against the round trip of a `ping`
 * message answered by a `pong` message, both between a generated
 * `BenchListener` and `BenchServer` over TCP, validation on both ways.
 * Prints a table (and, with `--json`, one JSON line per kind for
 * `npm run bench` to collect).
 *
 *     npx tsx --conditions=repod-source bench/requests.ts [--json] [--count N]
 *
 * One client does 300 warm-up round trips of each kind, then 3,000 of each,
 * alternating (ping, request, ping, request…) so that any drift of the
 * machine falls on both alike. The client pumps once per turn of the event
 * loop, as a game loop pumping as fast as it can; client and server share
 * one process, the same for both kinds.
 */
import { parseArgs } from "node:util";
import { isMain, numberOption } from "../examples/args.ts";
import {
  BenchChannel,
  type BenchClientMessages,
  type BenchClientReplies,
  type BenchClientRequests,
  BenchListener,
  BenchServer,
  type BenchServerMessages,
} from "../generated/bench.ts";

const WARMUP = 300;
// Read when run as a script only: the bench runner imports this module's types with a command line of its own.
const flags: { count?: string; json?: boolean } = isMain(import.meta.url)
  ? parseArgs({ options: { count: { type: "string" }, json: { type: "boolean", default: false } }, strict: true }).values
  : {};
const COUNT = numberOption("count", flags.count, 3000);

class Answering extends BenchChannel {
  Network_ping(data: BenchClientMessages["ping"]): void {
    this.send({ action: "pong", seq: data.seq });
  }
  Network_move(): void {}
  Network_done(): void {}
  Network_fanout(): void {}
  Request_echo(data: BenchClientRequests["echo"]): BenchClientReplies["echo"] {
    return { seq: data.seq };
  }
}

class Asking extends BenchListener {
  lastPong = -1;
  connected = false;
  Network_connected(): void {
    this.connected = true;
  }
  Network_pong(data: BenchServerMessages["pong"]): void {
    this.lastPong = data.seq;
  }
  Network_counted(): void {}
  Network_tick(): void {}
}

export interface RequestNumbers {
  kind: "message" | "request";
  p50Us: number;
  p99Us: number;
  meanUs: number;
  roundTripsPerSecond: number;
  /** CPU time (user + system) of the process — client and server together — per round trip. */
  cpuUs: number;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Pumps once per turn until `done()`; gives up after 2 s. */
async function pumpUntil(client: Asking, done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!done()) {
    await nextTurn();
    client.pump();
    // What pump() resolved runs in the microtasks right after it, as in a game loop.
    await null;
    if (!done() && Date.now() > deadline) throw new Error(`no answer to ${what}`);
  }
}

function summary(kind: RequestNumbers["kind"], samples: number[], cpuUs: number): RequestNumbers {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return {
    kind,
    p50Us: Math.round(at(0.5) * 10) / 10,
    p99Us: Math.round(at(0.99) * 10) / 10,
    meanUs: Math.round(mean * 10) / 10,
    roundTripsPerSecond: Math.round(1e6 / mean),
    cpuUs: Math.round(cpuUs * 100) / 100,
  };
}

/** Measures both kinds of round trip against one server. */
export async function benchRequests(count = COUNT): Promise<RequestNumbers[]> {
  const server = new BenchServer<Answering>({ channelClass: Answering, port: 0 });
  await server.start();
  const client = new Asking();
  try {
    await client.connect("127.0.0.1", server.address.port);
    await pumpUntil(client, () => client.connected, "the greeting");
    const messages: number[] = [];
    const requests: number[] = [];
    const ping = async (i: number): Promise<number> => {
      const start = process.hrtime.bigint();
      client.send({ action: "ping", seq: i });
      await pumpUntil(client, () => client.lastPong === i, `ping ${i}`);
      return Number(process.hrtime.bigint() - start) / 1000;
    };
    const ask = async (i: number): Promise<number> => {
      const start = process.hrtime.bigint();
      let answered = false;
      void client.request("echo", { seq: i }, { timeoutMs: 2000 }).then((reply) => {
        if (reply.seq !== i) throw new Error(`echo ${i} answered ${reply.seq}`);
        answered = true;
      });
      await pumpUntil(client, () => answered, `request ${i}`);
      return Number(process.hrtime.bigint() - start) / 1000;
    };
    for (let i = 0; i < WARMUP + count; i++) {
      // Which goes first alternates too, so neither always follows the other.
      let message: number;
      let request: number;
      if (i % 2 === 0) {
        message = await ping(i);
        request = await ask(i);
      } else {
        request = await ask(i);
        message = await ping(i);
      }
      if (i >= WARMUP) {
        messages.push(message);
        requests.push(request);
      }
    }
    // CPU per round trip, in alternating blocks: less moved by other work on the machine than latency is.
    const cpu = { message: [] as number[], request: [] as number[] };
    const block = Math.max(100, Math.round(count / 4));
    for (let b = 0; b < 8; b++) {
      const kind = b % 2 === 0 ? "message" : "request";
      const before = process.cpuUsage();
      for (let i = 0; i < block; i++) await (kind === "message" ? ping(i) : ask(i));
      const used = process.cpuUsage(before);
      cpu[kind].push((used.user + used.system) / block);
    }
    const med = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;
    return [summary("message", messages, med(cpu.message)), summary("request", requests, med(cpu.request))];
  } finally {
    client.close();
    await server.stop();
  }
}

if (isMain(import.meta.url)) {
  const results = await benchRequests();
  if (flags.json) {
    for (const r of results) console.log(JSON.stringify({ bench: "requests", node: process.version, ...r }));
  } else {
    console.log(`${COUNT} round trips of each kind, alternating, after ${WARMUP} of warm-up (node ${process.version})`);
    console.log("kind      p50 µs   p99 µs  mean µs  round trips/s  CPU µs/round trip");
    for (const r of results) {
      console.log(
        `${r.kind.padEnd(8)}  ${String(r.p50Us).padStart(6)}  ${String(r.p99Us).padStart(7)}  ${String(r.meanUs).padStart(7)}  ${String(r.roundTripsPerSecond).padStart(13)}  ${String(r.cpuUs).padStart(17)}`,
      );
    }
  }
}
