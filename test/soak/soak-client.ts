/**
 * One player of `npm run soak`: an ordinary ConnectionListener that joins a
 * room, says a numbered line now and then, and checks what comes back:
 * - its own lines must come back exactly once and in order (the server sends
 *   each line to the whole room, the sender included): what has not come
 *   back when it leaves is lost;
 * - every other sender's lines must arrive in order, never twice.
 * It also records each line's latency, from `send()` to the `pump()` that
 * dispatched it.
 */
import { type AnyMessage, type ConnectedEvent, ConnectionListener, type ErrorEvent, type ReconnectingEvent } from "../../runtime/index.ts";

/** Latencies in 0.1 ms buckets up to 10 s, so millions of samples cost 400 KB. */
export class LatencyHistogram {
  private readonly buckets = new Uint32Array(100_000);
  count = 0;
  max = 0;

  add(ms: number): void {
    this.count++;
    if (ms > this.max) this.max = ms;
    this.buckets[Math.min(this.buckets.length - 1, Math.max(0, Math.floor(ms * 10)))]!++;
  }

  /** The latency below which `q` (0..1) of the samples fall, in ms. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    let rank = Math.ceil(q * this.count);
    for (let i = 0; i < this.buckets.length; i++) {
      rank -= this.buckets[i]!;
      if (rank <= 0) return (i + 1) / 10;
    }
    return this.max;
  }
}

/** What every player adds to. */
export interface SoakTally {
  said: number;
  delivered: number;
  /** Own lines that never came back before their sender left. */
  lost: number;
  /** Lines that came twice or out of order. */
  disorder: number;
  /** Players whose connection ended without their asking. */
  dropped: number;
  connectFailures: number;
  /** Players greeted by the server (`connected`). */
  greeted: number;
  /** Players that left while still connecting (the run ended first): the server may or may not have accepted them. */
  abandoned: number;
  /** Attempts to connect that failed and were retried (no greeting within connectTimeoutMs on a busy machine): the server may have accepted each. */
  retried: number;
  errors: Record<string, number>;
  latency: LatencyHistogram;
  /** Latencies since the last progress line. */
  recent: LatencyHistogram;
}

export type PlayerState = "connecting" | "chatting" | "leaving" | "gone";

export class SoakPlayer extends ConnectionListener {
  state: PlayerState = "connecting";
  /** When to say the next line, and when to leave (ms, performance.now()). */
  nextLineAt = 0;
  leaveAt: number;
  /** How long a leaving player waits for its own lines to come back. */
  leaveDeadline = 0;
  private id: string | undefined;
  private said = 0;
  private back = 0;
  private readonly lastFrom = new Map<string, number>();
  private connected = false;

  constructor(
    private readonly tally: SoakTally,
    private readonly room: string,
    leaveAt: number,
  ) {
    super();
    this.leaveAt = leaveAt;
  }

  /** Own lines in flight. */
  get outstanding(): number {
    return this.said - this.back;
  }

  say(now: number): void {
    this.send({ action: "say", seq: this.said++, sent: now, text: "the quick brown fox jumps over the lazy dog" });
    this.tally.said++;
  }

  /** Starts leaving: no more lines; `finish()` once the own lines are back or the deadline passed. */
  leave(now: number, patienceMs: number): void {
    if (this.state === "connecting") {
      this.tally.abandoned++;
      this.finish();
      return;
    }
    this.state = "leaving";
    this.leaveDeadline = now + patienceMs;
  }

  /** Closes the connection; what did not come back is lost. */
  finish(): void {
    if (this.state === "gone") return;
    this.tally.lost += this.outstanding;
    this.state = "gone";
    this.close();
  }

  Network_connected(data: ConnectedEvent): void {
    this.id = data.id;
    this.connected = true;
    this.tally.greeted++;
    this.send({ action: "join", room: this.room });
    if (this.state === "connecting") this.state = "chatting";
  }

  Network_said(data: AnyMessage): void {
    const now = performance.now();
    this.tally.delivered++;
    const latency = now - Number(data.sent);
    this.tally.latency.add(latency);
    this.tally.recent.add(latency);
    const seq = Number(data.seq);
    const from = String(data.from);
    if (from === this.id) {
      if (seq !== this.back) this.tally.disorder++;
      else this.back++;
      return;
    }
    const last = this.lastFrom.get(from);
    if (last !== undefined && seq <= last) this.tally.disorder++;
    this.lastFrom.set(from, seq);
  }

  Network_reconnecting(_data: ReconnectingEvent): void {
    if (!this.connected) this.tally.retried++;
  }

  Network_error(data: ErrorEvent): void {
    this.tally.errors[data.code] = (this.tally.errors[data.code] ?? 0) + 1;
  }

  Network_disconnected(): void {
    if (this.state === "gone") return;
    if (this.connected) this.tally.dropped++;
    else this.tally.connectFailures++;
    this.finish();
  }
}
