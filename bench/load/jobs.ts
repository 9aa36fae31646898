/**
 * The load generator's jobs: each connects to a server that speaks the
 * bench protocol (protocol/bench.protocol.ts) and measures one thing.
 *
 * Every job calls `mark()` right before and right after its measured part,
 * so that the runner can read the server's CPU time over exactly that part.
 */
import { connectMany, decode, frame, frames, type WireClient, type WireMessage } from "./wire-client.ts";

export type Job =
  | { kind: "rtt"; warmup: number; count: number }
  | { kind: "throughput"; clients: number; messages: number; warmup: number; passes: number }
  | { kind: "fanout"; clients: number; messages: number; bursts: number }
  | { kind: "hold"; clients: number; hello?: boolean }
  | { kind: "neighbour"; players: number; rounds: number; floodFirst: boolean }
  | { kind: "flood" };

/** What the runner does for a job: note the server's CPU time (`mark`), end a `hold`, change a neighbour's phase. */
export interface Runner {
  mark(): Promise<void>;
  holding(): Promise<void>;
  /** Asks the runner to start (`"flood"`) or stop (`"calm"`) the flooder, or to read the server's memory (`"memory"`); resolves once done. */
  phase(name: "flood" | "calm" | "memory"): Promise<void>;
}

export interface RttResult {
  p50: number;
  p99: number;
  mean: number;
  roundTrips: number;
}
export interface ThroughputResult {
  messagesPerSecond: number;
  lost: number;
  seconds: number;
  messages: number;
}
export interface NeighbourResult {
  quiet: { p50: number; p99: number; roundTrips: number };
  flooded: { p50: number; p99: number; roundTrips: number };
}
export interface FloodResult {
  flooded: number;
  closed: boolean;
}
export interface FanoutResult {
  deliveriesPerSecond: number;
  lost: number;
  outOfOrder: number;
  seconds: number;
  deliveries: number;
}

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

/** `{"action": "tick", "n": …}` as msgpack writes it, up to n's value. */
const TICK = Buffer.from([0x82, 0xa6, ...Buffer.from("action"), 0xa4, ...Buffer.from("tick"), 0xa1, 0x6e]);

/**
 * The `n` of a tick, or -1 when the payload is something else. Reads the
 * bytes directly when they are laid out as both servers write them (so the
 * load generator spends far less per delivery than a server does), and
 * decodes anything else in full.
 */
function tickNumber(payload: Buffer): number {
  const t = TICK.length;
  if (payload.length > t && payload.compare(TICK, 0, t, 0, t) === 0) {
    const type = payload[t]!;
    if (type < 0x80 && payload.length === t + 1) return type;
    if (type === 0xcc && payload.length === t + 2) return payload[t + 1]!;
    if (type === 0xcd && payload.length === t + 3) return payload.readUInt16BE(t + 1);
  }
  const message = decode(payload);
  return message.action === "tick" && typeof message.n === "number" ? message.n : -1;
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
      client.onPayload = (payload) => {
        const n = tickNumber(payload);
        if (n < 0) return;
        if (n !== received[i]) outOfOrder++;
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
  if (job.hello) {
    // Say what our own clients say first: the server then keeps a live session (heartbeat, resume) for each.
    const hello = frame({ action: "_hello", features: ["heartbeat", "resume"] });
    for (const client of clients) client.socket.write(hello);
  }
  await runner.holding();
  const open = clients.filter((client) => !client.closed).length;
  // Ours say goodbye when they leave on purpose: the server then keeps no session waiting for a resume.
  const bye = job.hello ? frame({ action: "_bye" }) : null;
  for (const client of clients) {
    if (bye) client.socket.end(bye);
    else client.close();
  }
  return { clients: open };
}

/**
 * A noisy neighbour: `players` clients each play ping/pong round trips, one
 * every 10 ms as a game's inputs would come: a warm-up, then `rounds` quiet
 * and `rounds` while the runner has a flooder (another process, see
 * {@link flood}) pour valid messages into the same server — in that order,
 * or flooded first with `floodFirst`. The same players, the same number of
 * round trips, one server: the two phases differ only by the flood. While
 * each phase ends, the runner reads the server's memory.
 */
export async function neighbour(port: number, job: Extract<Job, { kind: "neighbour" }>, runner: Runner): Promise<NeighbourResult> {
  const players = await connectMany(HOST, port, job.players);
  let seq = 0;
  const play = async (rounds: number): Promise<NeighbourResult["quiet"]> => {
    const times: number[] = [];
    await Promise.all(
      players.map(async (client) => {
        for (let round = 0; round < rounds; round++) {
          await new Promise((resolve) => setTimeout(resolve, 10));
          const n = seq++;
          const start = now();
          client.socket.write(frame({ action: "ping", seq: n }));
          const pong = await client.next(60_000);
          if (pong.action !== "pong" || pong.seq !== n) throw new Error(`expected pong ${n}, got ${JSON.stringify(pong)}`);
          times.push(now() - start);
        }
      }),
    );
    times.sort((a, b) => a - b);
    return { p50: percentile(times, 0.5), p99: percentile(times, 0.99), roundTrips: times.length };
  };
  await play(Math.max(10, job.rounds >> 2));
  let quiet: NeighbourResult["quiet"];
  let flooded: NeighbourResult["flooded"];
  if (job.floodFirst) {
    await runner.phase("flood");
    flooded = await play(job.rounds);
    await runner.phase("memory");
    await runner.phase("calm");
    quiet = await play(job.rounds);
    await runner.phase("memory");
  } else {
    quiet = await play(job.rounds);
    await runner.phase("memory");
    await runner.phase("flood");
    flooded = await play(job.rounds);
    await runner.phase("memory");
    await runner.phase("calm");
  }
  for (const client of players) client.close();
  return { quiet, flooded };
}

/**
 * The flooder of {@link neighbour}: one client that writes valid `move`
 * messages as fast as its socket takes them (2,000 to a write, waiting
 * whenever the socket's buffer is full) until the runner says stop
 * (`holding` answered), and never reads what the server sends it.
 */
export async function flood(port: number, runner: Runner): Promise<FloodResult> {
  const [flooder] = await connectMany(HOST, port, 1);
  const client = flooder!;
  client.onMessage = () => {}; // its RATE_LIMITED notices: not read
  const batch = moves(2000, 0);
  let flooding = true;
  let flooded = 0;
  const pouring = (async (): Promise<void> => {
    while (flooding && !client.closed) {
      await client.write(batch);
      flooded += 2000;
    }
  })().catch(() => {});
  await runner.holding();
  flooding = false;
  const closed = client.closed;
  client.close();
  await pouring;
  return { flooded, closed };
}
