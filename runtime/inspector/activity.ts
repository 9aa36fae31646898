/**
 * What the inspector counts while a server runs: each channel's messages and
 * bytes in and out (a {@link ChannelTap} on its link), errors by code, and —
 * only while someone watches — messages per action and a sampled log of
 * recent messages with their payloads.
 *
 * The link calls its tap after a null check; a server without an inspector
 * pays nothing more. With an inspector nobody watches, a message costs two
 * additions. While someone watches, each heartbeat also times the channel's
 * round trip: by the WebSocket pong, or over TCP by asking the client to
 * echo a number in its answer (see session/control.ts). Watched, outgoing actions are read from the frame's first key
 * (a broadcast's frame is read once for all its receivers).
 */
import type { Channel } from "../channel.ts";
import type { ProtocolSchema } from "../compat/schema.ts";
import { HEADER_BYTES } from "../constants.ts";
import type { LinkTap } from "../link.ts";
import type { Message, Validator } from "../protocol.ts";
import type { Clock } from "../session/clock.ts";
import { decodePayload } from "../wire/codec.ts";
import { type DeclaredView, declaredView } from "./declared.ts";

/** One message of the recent-message log. */
export interface LogEntry {
  /** Milliseconds since the epoch. */
  readonly t: number;
  readonly dir: "in" | "out";
  readonly channel: string;
  readonly action: string;
  /** Payload bytes. */
  readonly bytes: number;
  /** The message as JSON-safe data (bytes as `{ $bytes: hex }`, big integers as `{ $bigint: "…" }`). */
  readonly payload: unknown;
  /** Its fields with their declared types (the kinds of its values when the protocol declares none). */
  readonly view: DeclaredView;
  /** What the protocol's validator says: "ok", a problem, or "undeclared" for an action the protocol does not declare. */
  readonly check: string;
  /** Channels the same frame went to (a broadcast is logged once, with the first of them as `channel`). */
  copies: number;
  /** The server the message went through (set when the inspector merges the log of a cluster). */
  readonly server?: string;
}

/** The counters of one channel; also its link's tap. */
export class ChannelTap implements LinkTap {
  messagesIn = 0;
  bytesIn = 0;
  messagesOut = 0;
  bytesOut = 0;
  /** Round trips, timed by heartbeats only while someone watches: made at the first, so a channel nobody watched holds none. */
  private timing: RoundTrip | null = null;

  constructor(
    private readonly activity: Activity,
    readonly channel: Channel<any, any>,
  ) {}

  received(message: Message & Record<string, unknown>, bytes: number): void {
    this.messagesIn++;
    this.bytesIn += bytes;
    if (this.activity.watched) this.activity.received(this, message, bytes);
  }

  sent(frame: Uint8Array): void {
    this.messagesOut++;
    this.bytesOut += frame.length - HEADER_BYTES;
    if (this.activity.watched) this.activity.sent(this, frame);
  }

  /** The last round trip measured (milliseconds), or -1 when none was. */
  get rtt(): number {
    return this.timing?.rtt ?? -1;
  }

  beating(native: boolean): number | undefined {
    if (!this.activity.watched) return undefined;
    const timing = (this.timing ??= { rtt: -1, pingAt: -1, probe: 0 });
    timing.pingAt = this.activity.clock.now();
    if (native) return undefined;
    timing.probe = (timing.probe + 1) & 0x3fffffff;
    return timing.probe;
  }

  answered(probe: number | undefined): void {
    const timing = this.timing;
    if (timing === null || timing.pingAt < 0 || (probe !== undefined && probe !== timing.probe)) return;
    timing.rtt = this.activity.clock.now() - timing.pingAt;
    timing.pingAt = -1;
  }
}

/** A channel's round-trip timing. */
interface RoundTrip {
  /** The last round trip (milliseconds), or -1. */
  rtt: number;
  /** When the heartbeat being timed left (the clock's time), or -1 when none is. */
  pingAt: number;
  /** The number the client was asked to echo in its answer to that heartbeat. */
  probe: number;
}

/** Validators of a protocol, by direction; empty for an untyped server. */
export interface Checks {
  readonly client: Readonly<Record<string, Validator>>;
  readonly server: Readonly<Record<string, Validator>>;
  /** What each message is declared as, to show logged payloads by their declared types. */
  readonly schema?: ProtocolSchema | undefined;
}

/** Closed periods kept for readers that have not read them yet; a reader that lags further loses the oldest. */
const KEPT_PERIODS = 16;

/** What happened between two points of an {@link Activity}. */
export interface ActivityPeriod {
  /** The point this period ends at: read from it next time. */
  seq: number;
  /** Messages per action, in and out. */
  in: Record<string, number>;
  out: Record<string, number>;
  /** The latest sampled log entries. */
  log: LogEntry[];
}

/** Counts shared by every channel of one server. */
export class Activity {
  /** True while at least one page watches (this server's or, in a cluster, another server's): per-action counts and the log are kept only then. */
  watched = false;
  /** Errors by code since the inspector started. */
  readonly errors = new Map<string, number>();
  /** Messages per action in the current period (closed by each reader). */
  private actionsIn = new Map<string, number>();
  private actionsOut = new Map<string, number>();
  /** Log entries of the current period: at most `sampleLimit`, and a few of each action. */
  private log: LogEntry[] = [];
  /** Entries logged this period per action, each way. */
  private sampledIn = new Map<string, number>();
  private sampledOut = new Map<string, number>();
  /** The last frame sent, its action, how many channels it went to, and its log entry: a broadcast is one frame written to many. */
  private lastFrame: Uint8Array | null = null;
  private lastFrameAction = "";
  private lastFrameCopies = 0;
  private lastFrameEntry: LogEntry | null = null;
  /** The current run of incoming messages of one action, and whether the log has taken all it will of it this period. */
  private runAction = "";
  private runCount = 0;
  private runLogged = false;
  /** Closed periods, oldest first, each numbered: readers ask for what came after the number they last got. */
  private periods: Array<{ seq: number; in: Map<string, number>; out: Map<string, number>; log: LogEntry[] }> = [];
  private seq = 0;

  constructor(
    /** What round trips are timed with: the server's session clock. */
    readonly clock: Clock,
    private readonly checks: Checks,
    /** Log entries kept per period (the rest are counted, not logged). */
    private readonly sampleLimit: number,
    /** Entries logged per period of each action and direction, so that a flood of one does not hide the others. */
    private readonly perAction = Math.max(1, Math.ceil(sampleLimit / 8)),
  ) {}

  /** @internal */
  received(tap: ChannelTap, message: Message & Record<string, unknown>, bytes: number): void {
    const action = message.action;
    // Games send runs of one action: count the run, and stop looking once its share of the log is taken.
    if (action === this.runAction) {
      this.runCount++;
      if (this.runLogged) return;
    } else {
      this.flushRun();
      this.runAction = action;
      this.runCount = 1;
      this.runLogged = false;
    }
    if (this.log.length >= this.sampleLimit || !this.sample(this.sampledIn, action)) {
      this.runLogged = true;
      return;
    }
    this.record("in", tap, action, message, bytes);
  }

  /** Adds the current run of incoming messages to its action's count. */
  private flushRun(): void {
    if (this.runCount === 0) return;
    this.actionsIn.set(this.runAction, (this.actionsIn.get(this.runAction) ?? 0) + this.runCount);
    this.runCount = 0;
  }

  /** @internal */
  sent(tap: ChannelTap, frame: Uint8Array): void {
    // The other copies of a broadcast: counted, not read again.
    if (frame === this.lastFrame) {
      this.lastFrameCopies++;
      return;
    }
    this.flushFrame();
    const action = actionOf(frame);
    this.lastFrame = frame;
    this.lastFrameAction = action;
    this.lastFrameCopies = 1;
    this.lastFrameEntry = null;
    if (this.log.length < this.sampleLimit && this.sample(this.sampledOut, action)) {
      let message: unknown;
      try {
        message = decodePayload(frame, HEADER_BYTES);
      } catch {
        message = undefined;
      }
      this.lastFrameEntry = this.record("out", tap, action, message, frame.length - HEADER_BYTES);
    }
  }

  /** Adds the last frame's copies to its action's count. */
  private flushFrame(): void {
    if (this.lastFrame === null) return;
    const action = this.lastFrameAction;
    this.actionsOut.set(action, (this.actionsOut.get(action) ?? 0) + this.lastFrameCopies);
    if (this.lastFrameEntry !== null) this.lastFrameEntry.copies = this.lastFrameCopies;
    this.lastFrame = null;
    this.lastFrameEntry = null;
  }

  /** Counts an error by its code. */
  error(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  /**
   * Starts counting afresh (someone began to watch): what was kept is
   * dropped. Returns the point to read from with {@link since}.
   */
  restart(): number {
    this.close();
    this.periods = [];
    return this.seq;
  }

  /**
   * What happened after point `from` (a number an earlier call returned):
   * messages per action in and out, and the latest sampled log entries (at
   * most `sampleSize`), with the point to read from next time. The current
   * period is closed first, so that several readers (this server's page, the
   * inspectors of other servers) each get everything once. Without `from`, or
   * from a point this activity never gave, nothing but the point.
   */
  since(from: number | undefined): ActivityPeriod {
    this.close();
    const counts = { in: {} as Record<string, number>, out: {} as Record<string, number> };
    let log: LogEntry[] = [];
    if (from !== undefined && from <= this.seq) {
      for (const period of this.periods) {
        if (period.seq <= from) continue;
        for (const [action, n] of period.in) counts.in[action] = (counts.in[action] ?? 0) + n;
        for (const [action, n] of period.out) counts.out[action] = (counts.out[action] ?? 0) + n;
        log = log.length === 0 ? period.log : log.concat(period.log);
      }
    }
    if (log.length > this.sampleLimit) log = log.slice(-this.sampleLimit);
    return { seq: this.seq, in: counts.in, out: counts.out, log };
  }

  /** Ends the current period: its counts and log are kept (the last {@link KEPT_PERIODS}) for those who read them. */
  private close(): void {
    this.flushFrame();
    this.flushRun();
    this.runAction = "";
    this.runLogged = false;
    this.periods.push({ seq: ++this.seq, in: this.actionsIn, out: this.actionsOut, log: this.log });
    if (this.periods.length > KEPT_PERIODS) this.periods.shift();
    this.actionsIn = new Map();
    this.actionsOut = new Map();
    this.log = [];
    this.sampledIn = new Map();
    this.sampledOut = new Map();
  }

  /** True while this period has logged fewer than `perAction` of `action` (counted in `sampled`); counts one. */
  private sample(sampled: Map<string, number>, action: string): boolean {
    const n = sampled.get(action) ?? 0;
    if (n >= this.perAction) return false;
    sampled.set(action, n + 1);
    return true;
  }

  private record(dir: "in" | "out", tap: ChannelTap, action: string, message: unknown, bytes: number): LogEntry {
    const checks = dir === "in" ? this.checks.client : this.checks.server;
    const validate = checks[action];
    let check: string;
    if (validate === undefined) check = "undeclared";
    else {
      try {
        check = validate(message as Record<string, unknown>) ?? "ok";
      } catch (error) {
        check = `could not be checked: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    const payload = jsonSafe(message, 0);
    const schema = this.checks.schema;
    const view = declaredView(payload, schema === undefined ? undefined : (dir === "in" ? schema.client : schema.server)[action], schema?.types ?? {});
    const entry: LogEntry = { t: Date.now(), dir, channel: tap.channel.id, action, bytes, payload, view, check, copies: 1 };
    this.log.push(entry);
    return entry;
  }
}

/** The action of an encoded frame: read from its first key when that is `action` (as our encoder writes it), else decoded. */
export function actionOf(frame: Uint8Array): string {
  let at = HEADER_BYTES;
  const head = frame[at++]!;
  if (head >= 0x80 && head <= 0x8f) {
    // fixmap
  } else if (head === 0xde) at += 2;
  else if (head === 0xdf) at += 4;
  else return decodedAction(frame);
  // "action" as a fixstr: 0xa6 then six bytes.
  if (
    frame[at] !== 0xa6 ||
    frame[at + 1] !== 0x61 ||
    frame[at + 2] !== 0x63 ||
    frame[at + 3] !== 0x74 ||
    frame[at + 4] !== 0x69 ||
    frame[at + 5] !== 0x6f ||
    frame[at + 6] !== 0x6e
  ) {
    return decodedAction(frame);
  }
  at += 7;
  const tag = frame[at++]!;
  let length: number;
  if (tag >= 0xa0 && tag <= 0xbf) length = tag & 0x1f;
  else if (tag === 0xd9) length = frame[at++]!;
  else return decodedAction(frame);
  if (at + length > frame.length) return decodedAction(frame);
  let ascii = "";
  for (let i = at; i < at + length; i++) {
    const byte = frame[i]!;
    if (byte >= 0x80) return decodedAction(frame);
    ascii += String.fromCharCode(byte);
  }
  return ascii;
}

function decodedAction(frame: Uint8Array): string {
  try {
    const message = decodePayload(frame, HEADER_BYTES) as { action?: unknown };
    return typeof message?.action === "string" ? message.action : "?";
  } catch {
    return "?";
  }
}

/** A decoded msgpack value as JSON-safe data for the page; deep or huge values are cut. */
export function jsonSafe(value: unknown, depth: number): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : { $number: String(value) };
  if (typeof value === "bigint") return { $bigint: value.toString() };
  if (value === undefined) return null;
  if (depth > 8) return { $cut: "too deep" };
  if (value instanceof Uint8Array) {
    const hex = Buffer.from(value.subarray(0, 64)).toString("hex");
    return { $bytes: value.length > 64 ? `${hex}… (${value.length} bytes)` : hex };
  }
  if (Array.isArray(value)) {
    const items = value.slice(0, 50).map((item) => jsonSafe(item, depth + 1));
    if (value.length > 50) items.push({ $cut: `${value.length - 50} more` });
    return items;
  }
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    let n = 0;
    for (const key of Object.keys(value)) {
      if (n++ === 50) {
        out.$cut = "more keys";
        break;
      }
      out[key] = jsonSafe((value as Record<string, unknown>)[key], depth + 1);
    }
    return out;
  }
  return String(value);
}
