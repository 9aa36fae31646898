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
 */
import { RepodError } from "../errors.ts";
import type { RateLimit } from "../protocol.ts";
import type { Clock } from "../session/clock.ts";

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
}

export const DEFAULT_MESSAGE_LIMIT: RateLimit = { perSecond: 1000, burst: 5000 };
export const DEFAULT_BYTE_LIMIT: RateLimit = { perSecond: 1024 * 1024, burst: 4 * 1024 * 1024 };
export const DEFAULT_CLOSE_AFTER = 200;

/** The settings of a server: its options over the protocol file's limits. */
export function rateSettings(options: RateLimitOptions, declared: Readonly<Record<string, RateLimit>> | undefined): RateSettings {
  const actions = new Map<string, RateLimit>(Object.entries(declared ?? {}));
  for (const [action, limit] of Object.entries(options.actions ?? {})) actions.set(action, limit);
  return {
    messages: options.messages ?? DEFAULT_MESSAGE_LIMIT,
    bytes: options.bytes ?? DEFAULT_BYTE_LIMIT,
    actions,
    closeAfter: options.closeAfter ?? DEFAULT_CLOSE_AFTER,
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
    if (now > this.last) {
      this.tokens = Math.min(this.limit.burst, this.tokens + ((now - this.last) * this.limit.perSecond) / 1000);
      this.last = now;
    }
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }
}

/** What a limiter tells its channel. */
export interface LimiterEvents {
  /** A message was refused: the first of a run (`closing` false), or one too many (`closing` true: close the channel). */
  refused(error: RepodError, closing: boolean): void;
}

export class RateLimiter {
  private readonly shared: Bucket;
  private readonly bytes: Bucket;
  private readonly own = new Map<string, Bucket>();
  /** Refused minus accepted messages, never below 0. */
  private strikes = 0;
  private closed = false;

  constructor(
    private readonly settings: RateSettings,
    private readonly clock: Clock,
    private readonly events: LimiterEvents,
  ) {
    const now = clock.now();
    this.shared = new Bucket(settings.messages, now);
    this.bytes = new Bucket(settings.bytes, now);
  }

  /** True when a message of `action` and `bytes` payload bytes is within budget (and counts it). */
  allow(action: string, bytes: number): boolean {
    if (this.closed) return false;
    const now = this.clock.now();
    let bucket = this.shared;
    const limit = this.settings.actions.size === 0 ? undefined : this.settings.actions.get(action);
    if (limit !== undefined) {
      bucket = this.own.get(action) ?? new Bucket(limit, now);
      this.own.set(action, bucket);
    }
    if (bucket.take(1, now)) {
      if (this.bytes.take(bytes, now)) {
        if (this.strikes > 0) this.strikes--;
        return true;
      }
      return this.refuse(action, `the byte budget of ${describe(this.bytes.limit, "bytes")}`);
    }
    return this.refuse(action, `${limit === undefined ? "the limit" : "its limit"} of ${describe(bucket.limit, "messages")}`);
  }

  private refuse(action: string, limit: string): false {
    const first = this.strikes === 0;
    this.strikes++;
    if (this.strikes > this.settings.closeAfter) {
      this.closed = true;
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
