/**
 * The load generator's jobs: each connects to a server that speaks the
 * bench protocol (protocol/bench.protocol.ts) and measures one thing.
 *
 * Every job calls `mark()` right before and right after its measured part,
 * so that the runner can read the server's CPU time over exactly that part.
 */
import { connectMany, frame, frames, WireClient, type WireMessage } from "./wire-client.ts";

export type Job =
  | { kind: "rtt"; warmup: number; count: number }
  | { kind: "throughput"; clients: number; messages: number; warmup: number; passes: number }
  | { kind: "fanout"; clients: number; messages: number; bursts: number }
  | { kind: "hold"; clients: number };

/** What the runner does for a job: note the server's CPU time (`mark`), end a `hold`. */
export interface Runner {
  mark(): Promise<void>;
  holding(): Promise<void>;
}

export interface RttResult { p50: number; p99: number; mean: number; roundTrips: number }
export interface ThroughputResult { messagesPerSecond: number; lost: number; seconds: number; messages: number }
export interface FanoutResult { deliveriesPerSecond: number; lost: number; outOfOrder: number; seconds: number; deliveries: number }

const HOST = "127.0.0.1";
const CHUNK = 64 * 1024;

function now(): number {
  return Number(process.hrtime.bigint()) / 1000; // µs
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

/** Sequential ping/pong round trips on one connection. */
export async function rtt(port: number, job: Extract<Job, { kind: "rtt" }>, runner: Runner): Promise<RttResult> {
  const [client] = await connectMany(HOST, port, 1);
  const pings = Array.from({ length: job.warmup + job.count }, (_, seq) => frame({ action: "ping", seq }));
  const times: number[] = [];
  for (let seq = 0; seq < pings.length; seq++) {
    if (seq === job.warmup) await runner.mark();
    const start = now();
    client!.socket.write(pings[seq]!);
    const pong = await client!.next();
    const took = now() - start;
    if (pong.action !== "pong" || pong.seq !== seq) throw new Error(`expected pong ${seq}, got ${JSON.stringify(pong)}`);
    if (seq >= job.warmup) times.push(took);
  }
  await runner.mark();
  client!.close();
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99), mean, roundTrips: times.length };
}

function moves(count: number, offset: number): Buffer {
  return frames(
    (function* (): Generator<WireMessage> {
      for (let i = 0; i < count; i++) {
        const tick = offset + i;
        yield { action: "move", x: (tick % 1000) * 0.5 + 0.25, y: (tick % 700) * 0.25 + 0.125, tick };
      }
    })(),
  );
}

/** Writes `bytes` in slices as fast as the socket takes them, then `done`; resolves with the server's count. */
async function pour(client: WireClient, bytes: Buffer, sent: number): Promise<number> {
  for (let at = 0; at < bytes.length; at += CHUNK) await client.write(bytes.subarray(at, at + CHUNK));
  await client.write(frame({ action: "done", sent }));
  const counted = await client.next(60_000);
  if (counted.action !== "counted") throw new Error(`expected counted, got ${JSON.stringify(counted)}`);
  return counted.n as number;
}

/**
 * Several clients send small messages as fast as backpressure allows; the
 * server counts them. A warm-up, then `passes` measured passes; the rate is
 * their median.
 */
export async function throughput(port: number, job: Extract<Job, { kind: "throughput" }>, runner: Runner): Promise<ThroughputResult> {
  const clients = await connectMany(HOST, port, job.clients);
  // Encoded before the clock starts: the load generator should take as little CPU as it can.
  const warm = moves(job.warmup, 0);
  const measured = clients.map((_, i) => moves(job.messages, i * job.messages));
  await Promise.all(clients.map((client) => pour(client, warm, job.warmup)));
  const rates: number[] = [];
  let lost = 0;
  let seconds = 0;
  await runner.mark();
  for (let pass = 0; pass < job.passes; pass++) {
    const start = now();
    const counts = await Promise.all(clients.map((client, i) => pour(client, measured[i]!, job.messages)));
    const took = (now() - start) / 1e6;
    seconds += took;
    rates.push((job.clients * job.messages) / took);
    lost += job.clients * job.messages - counts.reduce((a, b) => a + b, 0);
  }
  await runner.mark();
  for (const client of clients) client.close();
  return { messagesPerSecond: median(rates), lost, seconds, messages: job.passes * job.clients * job.messages };
}

/** The server sends bursts of ticks to every client; each client checks it got all of them, in order. */
export async function fanout(port: number, job: Extract<Job, { kind: "fanout" }>, runner: Runner): Promise<FanoutResult> {
  const clients = await connectMany(HOST, port, job.clients);
  const rates: number[] = [];
  let lost = 0;
  let outOfOrder = 0;
  let seconds = 0;
  // One burst to warm up, then the measured ones.
  for (let burst = 0; burst <= job.bursts; burst++) {
    if (burst === 1) await runner.mark();
    const received = new Array<number>(clients.length).fill(0);
    let complete = 0;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    clients.forEach((client, i) => {
      client.onMessage = (message) => {
        if (message.action !== "tick") return;
        if (message.n !== received[i]) outOfOrder++;
        if (++received[i]! === job.messages && ++complete === clients.length) finish();
      };
    });
    const start = now();
    clients[0]!.socket.write(frame({ action: "fanout", count: job.messages }));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, 30_000)))]);
    clearTimeout(timer);
    const took = (now() - start) / 1e6;
    if (burst === 0) continue;
    seconds += took;
    rates.push((clients.length * job.messages) / took);
    lost += received.reduce((sum, n) => sum + Math.max(0, job.messages - n), 0);
  }
  await runner.mark();
  for (const client of clients) client.close();
  return { deliveriesPerSecond: median(rates), lost, outOfOrder, seconds, deliveries: job.bursts * clients.length * job.messages };
}

/** Opens idle connections and keeps them until the runner is done looking. */
export async function hold(port: number, job: Extract<Job, { kind: "hold" }>, runner: Runner): Promise<{ clients: number }> {
  const clients = await connectMany(HOST, port, job.clients);
  await runner.holding();
  const open = clients.filter((client) => !client.closed).length;
  for (const client of clients) client.close();
  return { clients: open };
}
