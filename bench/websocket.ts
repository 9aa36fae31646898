/**
 * WebSocket beside TCP: round-trip time and fan-out, measured the same way
 * over both transports of one server. Prints a table (and, with `--json`,
 * one JSON line per transport for `npm run bench` to collect).
 *
 *     npm run bench:websocket [-- --json]
 *
 * - rtt: one client sends `echo` and waits for the answer before sending
 *   the next; 3,000 round trips after 300 of warm-up; p50 / p99 in µs.
 * - fanout: 50 clients; the server calls `sendToAll` 500 times (in bursts
 *   of 50 per tick); the time until every client has all 500, and the
 *   deliveries per second that makes (25,000 deliveries).
 */
import { parseArgs } from "node:util";
import { type AnyMessage, Channel, Client, Server } from "repod";
import { isMain } from "../examples/args.ts";

const RTT_WARMUP = 300;
const RTT_ROUNDS = 3000;
const FANOUT_CLIENTS = 50;
const FANOUT_MESSAGES = 500;
const FANOUT_BURST = 50;

class Echo extends Channel {
  Network_echo(data: AnyMessage): void {
    this.send(data);
  }
}

export interface TransportNumbers {
  transport: "tcp" | "websocket";
  rttP50Us: number;
  rttP99Us: number;
  rttMeanUs: number;
  fanoutMs: number;
  deliveriesPerSecond: number;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function connected(client: Client, target: [string, number?]): Promise<void> {
  await client.connect(...target);
  // Bounded: 5 s of turns at most.
  const deadline = Date.now() + 5000;
  let greeted = false;
  while (!greeted) {
    if (Date.now() > deadline) throw new Error("no greeting within 5 s");
    client.drain((m) => {
      if (m.action === "connected") greeted = true;
      if (m.action === "error") throw new Error(String((m as AnyMessage).message));
    });
    if (!greeted) await nextTurn();
  }
}

async function measureRtt(target: [string, number?]): Promise<{ p50: number; p99: number; mean: number }> {
  const client = new Client(undefined);
  await connected(client, target);
  const samples: number[] = [];
  for (let i = 0; i < RTT_WARMUP + RTT_ROUNDS; i++) {
    const start = process.hrtime.bigint();
    client.send({ action: "echo", i, x: 12.5, y: -3.25 });
    let answered = false;
    // Bounded: each round trip gives up after 2 s.
    const deadline = Date.now() + 2000;
    while (!answered) {
      await nextTurn();
      client.drain((m) => {
        if (m.action === "echo") answered = true;
      });
      if (!answered && Date.now() > deadline) throw new Error(`round trip ${i} got no answer`);
    }
    if (i >= RTT_WARMUP) samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  client.close();
  samples.sort((a, b) => a - b);
  const at = (q: number): number => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return { p50: at(0.5), p99: at(0.99), mean: samples.reduce((a, b) => a + b, 0) / samples.length };
}

async function measureFanout(server: Server<Echo>, target: [string, number?]): Promise<number> {
  const clients = Array.from({ length: FANOUT_CLIENTS }, () => new Client(undefined));
  await Promise.all(clients.map((c) => connected(c, target)));
  const counts = new Array<number>(FANOUT_CLIENTS).fill(0);
  const start = process.hrtime.bigint();
  for (let sent = 0; sent < FANOUT_MESSAGES; ) {
    for (let i = 0; i < FANOUT_BURST && sent < FANOUT_MESSAGES; i++, sent++) {
      server.sendToAll({ action: "state", tick: sent, x: 100.5, y: 200.25, it: "abc" });
    }
    await nextTurn();
  }
  const deadline = Date.now() + 20_000;
  while (counts.some((n) => n < FANOUT_MESSAGES)) {
    if (Date.now() > deadline) throw new Error("fan-out did not complete within 20 s");
    clients.forEach((c, k) => (counts[k]! += c.drain(() => {})));
    await nextTurn();
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  for (const c of clients) c.close();
  return ms;
}

/** Runs both measurements over TCP and over WebSocket against one server. */
export async function benchWebSocket(): Promise<TransportNumbers[]> {
  const server = new Server({ channelClass: Echo, port: 0, websocket: { port: 0 } });
  await server.start();
  const targets: Array<[TransportNumbers["transport"], [string, number?]]> = [
    ["tcp", ["127.0.0.1", server.address.port]],
    ["websocket", [server.websocketAddress!.url]],
  ];
  const results: TransportNumbers[] = [];
  try {
    for (const [transport, target] of targets) {
      const rtt = await measureRtt(target);
      const fanoutMs = await measureFanout(server, target);
      // Let the closed clients leave before the next round.
      for (let i = 0; i < 200 && server.channels.size > 0; i++) await new Promise((r) => setTimeout(r, 5));
      results.push({
        transport,
        rttP50Us: Math.round(rtt.p50),
        rttP99Us: Math.round(rtt.p99),
        rttMeanUs: Math.round(rtt.mean),
        fanoutMs: Math.round(fanoutMs * 10) / 10,
        deliveriesPerSecond: Math.round((FANOUT_CLIENTS * FANOUT_MESSAGES) / (fanoutMs / 1000)),
      });
    }
  } finally {
    await server.stop();
  }
  return results;
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({ options: { json: { type: "boolean", default: false } }, strict: true });
  const results = await benchWebSocket();
  if (values.json) {
    for (const r of results) console.log(JSON.stringify({ bench: "websocket", node: process.version, ...r }));
  } else {
    console.log(`rtt: ${RTT_ROUNDS} sequential round trips; fanout: ${FANOUT_CLIENTS} clients × ${FANOUT_MESSAGES} sendToAll (node ${process.version})`);
    console.log("transport   rtt p50 µs  rtt p99 µs  rtt mean µs  fanout ms  deliveries/s");
    for (const r of results) {
      console.log(
        `${r.transport.padEnd(10)}  ${String(r.rttP50Us).padStart(10)}  ${String(r.rttP99Us).padStart(10)}  ${String(r.rttMeanUs).padStart(11)}  ${String(r.fanoutMs).padStart(9)}  ${String(r.deliveriesPerSecond).padStart(12)}`,
      );
    }
  }
}
