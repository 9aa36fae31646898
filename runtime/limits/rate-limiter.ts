/**
 * Rate limits of one channel: token buckets, refilled continuously from the
 * server's clock. Every message costs one token of its action's bucket — the
 * action's own when the protocol file (`@rateLimit`) or the server's options
 * give it one, the channel's shared one otherwise — and its payload's size
 * in tokens of the byte bucket. A message that finds either empty is not
 * dispatched (nor validated).
 *
 * The client is told (RATE_LIMITED) at the first refusal of a run, not at
 * each one; a client whose refused messages outnumber its accepted ones by
 * more than `closeAfter` is closed.
 *
 * A refusal also stops reading from the client (backpressure): its socket is
 * paused until the bucket that refused has refilled enough for the refused
 * message, on a timer of the server's clock. Meanwhile the client's writes
 * wait in the operating system's buffers and TCP slows it down, so a flood
 * costs the server one read per pause instead of one decode per message.
 * Messages that arrive while reading is paused (the rest of the read that
 * held the refused one) are refused too, counted like any refusal and, when
 * their action can be read without decoding them (see peek.ts), not even
 * decoded. Control frames (heartbeat, acknowledgements) are never refused.
 *
 * A channel's limiter is made at its first message, not when it connects: a
 * bucket untouched since the connect would be full anyway, so an idle
 * connection holds nothing for its limits.
 */
import { RepodError } from "../errors.ts";
import type { RateLimit } from "../protocol.ts";
import { type Clock, type TimerHandle, unref } from "../session/clock.ts";

/** The server's `rateLimit` option. */
export interface RateLimitOptions {
  /** The budget of every action without its own, shared by them. @default { perSecond: 1000, burst: 5000 } */
  messages?: RateLimit;
  /** Bytes of payload per second, over all actions. @default { perSecond: 1048576, burst: 4194304 } (1 MiB/s, bursts of 4 MiB) */
  bytes?: RateLimit;
  /** Budgets of single actions; they take precedence over the protocol file's `@rateLimit`. @default {} */
  actions?: Readonly<Record<string, RateLimit>>;
  /** A client whose refused messages outnumber its accepted ones by more than this is closed; Infinity never closes. @default 200 */
  closeAfter?: number;
}

/** The limits of a server, after defaults, shared by its channels. */
export interface RateSettings {
  readonly messages: RateLimit;
  readonly bytes: RateLimit;
  readonly actions: ReadonlyMap<string, RateLimit>;
  readonly closeAfter: number;
  /** What the buckets refill from and pauses run on. */
  readonly clock: Clock;
}

export const DEFAULT_MESSAGE_LIMIT: RateLimit = { perSecond: 1000, burst: 5000 };
export const DEFAULT_BYTE_LIMIT: RateLimit = { perSecond: 1024 * 1024, burst: 4 * 1024 * 1024 };
export const DEFAULT_CLOSE_AFTER = 200;
/**
 * The longest a refusal pauses reading. A slow budget (one message a minute)
 * would otherwise stop reading for long enough that the heartbeat's silence
 * timeout closes the client; after this the next read is checked again.
 */
export const MAX_PAUSE_MS = 1000;

/** The settings of a server: its options over the protocol file's limits. */
export function rateSettings(options: RateLimitOptions, declared: Readonly<Record<string, RateLimit>> | undefined, clock: Clock): RateSettings {
  const actions = new Map<string, RateLimit>(Object.entries(declared ?? {}));
  for (const [action, limit] of Object.entries(options.actions ?? {})) actions.set(action, limit);
  return {
    messages: options.messages ?? DEFAULT_MESSAGE_LIMIT,
    bytes: options.bytes ?? DEFAULT_BYTE_LIMIT,
    actions,
    closeAfter: options.closeAfter ?? DEFAULT_CLOSE_AFTER,
    clock,
  };
}

class Bucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly limit: RateLimit,
    now: number,
  ) {
    this.tokens = limit.burst;
    this.last = now;
  }

  take(cost: number, now: number): boolean {
    this.refill(now);
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }

  /** Milliseconds until the bucket holds `cost` tokens (at most a full bucket); between 1 and {@link MAX_PAUSE_MS}. */
  wait(cost: number, now: number): number {
    this.refill(now);
    const missing = Math.min(cost, this.limit.burst) - this.tokens;
    return Math.min(MAX_PAUSE_MS, Math.max(1, Math.ceil((missing * 1000) / this.limit.perSecond)));
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.limit.burst, this.tokens + ((now - this.last) * this.limit.perSecond) / 1000);
      this.last = now;
    }
  }
}

/** What a limiter tells its channel. */
export interface LimiterEvents {
  /** A message was refused: the first of a run (`closing` false), or one too many (`closing` true: close the channel). */
  refused(error: RepodError, closing: boolean): void;
  /** Stop (false) or start again (true) reading from the client: after a refusal, until the budget has room. */
  reading(on: boolean): void;
}

export class RateLimiter {
  private readonly shared: Bucket;
  private readonly bytes: Bucket;
  /** Buckets of actions with a budget of their own, made when first needed. */
  private own: Map<string, Bucket> | null = null;
  /** Refused minus accepted messages, never below 0. */
  private strikes = 0;
  private closed = false;
  /** The resume timer while reading is paused; undefined while reading. */
  private pause: TimerHandle | undefined;
  /** While paused: the refused action and limit that paused it, for the messages refused meanwhile. */
  private pausedAction = "";
  private pausedLimit = "";

  private readonly clock: Clock;

  constructor(
    private readonly settings: RateSettings,
    private readonly events: LimiterEvents,
  ) {
    this.clock = settings.clock;
    const now = this.clock.now();
    this.shared = new Bucket(settings.messages, now);
    this.bytes = new Bucket(settings.bytes, now);
  }

  /** True when a message of `action` and `bytes` payload bytes is within budget (and counts it). */
  allow(action: string, bytes: number): boolean {
    if (this.closed) return false;
    if (this.pause !== undefined) return this.refuse(action, this.pausedLimit);
    const now = this.clock.now();
    let bucket = this.shared;
    const limit = this.settings.actions.size === 0 ? undefined : this.settings.actions.get(action);
    if (limit !== undefined) {
      const own = (this.own ??= new Map());
      bucket = own.get(action) ?? new Bucket(limit, now);
      own.set(action, bucket);
    }
    if (bucket.take(1, now)) {
      if (this.bytes.take(bytes, now)) {
        if (this.strikes > 0) this.strikes--;
        return true;
      }
      return this.paused(action, `the byte budget of ${describe(this.bytes.limit, "bytes")}`, this.bytes.wait(bytes, now));
    }
    return this.paused(action, `${limit === undefined ? "the limit" : "its limit"} of ${describe(bucket.limit, "messages")}`, bucket.wait(1, now));
  }

  /** True while reading is paused, and once closed: every application message that still arrives is refused. */
  get isPaused(): boolean {
    return this.pause !== undefined || this.closed;
  }

  /** Refuses a message that arrived while paused without decoding it (its action unknown: the pausing one is named). */
  refuseUnread(): void {
    if (!this.closed) this.refuse(this.pausedAction, this.pausedLimit);
  }

  /** The channel is gone: no timer left behind. */
  dispose(): void {
    this.closed = true;
    this.clock.clearTimeout(this.pause);
    this.pause = undefined;
  }

  /** A refusal by the budget itself: refuse, then pause reading for `ms`, until the bucket has room again. */
  private paused(action: string, limit: string, ms: number): false {
    this.refuse(action, limit);
    if (this.closed) return false;
    this.pausedAction = action;
    this.pausedLimit = limit;
    this.pause = this.clock.setTimeout(() => {
      this.pause = undefined;
      if (!this.closed) this.events.reading(true);
    }, ms);
    unref(this.pause);
    this.events.reading(false);
    return false;
  }

  private refuse(action: string, limit: string): false {
    const first = this.strikes === 0;
    this.strikes++;
    if (this.strikes > this.settings.closeAfter) {
      this.dispose();
      this.events.refused(
        new RepodError("RATE_LIMITED", `"${action}" is over ${limit}, and more than ${this.settings.closeAfter} messages were over it: closing`, { action }),
        true,
      );
    } else if (first) {
      this.events.refused(new RepodError("RATE_LIMITED", `"${action}" is over ${limit}: not dispatched`, { action }), false);
    }
    return false;
  }
}

function describe(limit: RateLimit, unit: string): string {
  return `${limit.perSecond} ${unit}/s (burst ${limit.burst})`;
}
