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
  /** What the buckets refill from. */
  readonly clock: Clock;
}

export const DEFAULT_MESSAGE_LIMIT: RateLimit = { perSecond: 1000, burst: 5000 };
export const DEFAULT_BYTE_LIMIT: RateLimit = { perSecond: 1024 * 1024, burst: 4 * 1024 * 1024 };
export const DEFAULT_CLOSE_AFTER = 200;

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

/** A bucket of an action with a budget of its own (the shared ones are fields of the limiter). */
class Bucket {
  tokens: number;

  constructor(
    readonly limit: RateLimit,
    public last: number,
  ) {
    this.tokens = limit.burst;
  }
}

/** Takes `cost` from a bucket of `limit` holding `tokens` at `last`, refilled up to `now`: its new tokens, or -1 when short. */
function take(limit: RateLimit, tokens: number, last: number, now: number, cost: number): number {
  if (now > last) tokens = Math.min(limit.burst, tokens + ((now - last) * limit.perSecond) / 1000);
  return tokens < cost ? -1 - tokens : tokens - cost;
}

/** What a limiter tells its channel. */
export interface LimiterEvents {
  /** A message was refused: the first of a run (`closing` false), or one too many (`closing` true: close the channel). */
  rateLimited(error: RepodError, closing: boolean): void;
}

/**
 * The rate limits of one channel. Made at its first message, not when it
 * connects: a bucket untouched since the connect would be full anyway, so
 * an idle connection holds nothing for its limits. The two shared buckets
 * (messages, bytes) are fields of the limiter; an action with a budget of
 * its own gets a {@link Bucket} when it is first sent.
 */
export class RateLimiter {
  private messageTokens: number;
  private messagesAt: number;
  private byteTokens: number;
  private bytesAt: number;
  /** Buckets of actions with their own budget, made when first needed. */
  private own: Map<string, Bucket> | null = null;
  /** Refused minus accepted messages, never below 0; -1 once the channel is being closed. */
  private strikes = 0;

  constructor(
    private readonly settings: RateSettings,
    private readonly events: LimiterEvents,
  ) {
    const now = settings.clock.now();
    this.messageTokens = settings.messages.burst;
    this.messagesAt = now;
    this.byteTokens = settings.bytes.burst;
    this.bytesAt = now;
  }

  /** True when a message of `action` and `bytes` payload bytes is within budget (and counts it). */
  allow(action: string, bytes: number): boolean {
    if (this.strikes < 0) return false;
    const settings = this.settings;
    const now = settings.clock.now();
    const limit = settings.actions.size === 0 ? undefined : settings.actions.get(action);
    if (limit === undefined) {
      const left = take(settings.messages, this.messageTokens, this.messagesAt, now, 1);
      if (left < 0) return this.refuse(action, `the limit of ${describe(settings.messages, "messages")}`, -1 - left, now);
      this.messageTokens = left;
      this.messagesAt = now;
    } else {
      const own = (this.own ??= new Map());
      let bucket = own.get(action);
      if (bucket === undefined) own.set(action, (bucket = new Bucket(limit, now)));
      const left = take(limit, bucket.tokens, bucket.last, now, 1);
      bucket.last = now;
      if (left < 0) {
        bucket.tokens = -1 - left;
        return this.refuse(action, `its limit of ${describe(limit, "messages")}`, -1, now);
      }
      bucket.tokens = left;
    }
    const left = take(settings.bytes, this.byteTokens, this.bytesAt, now, bytes);
    this.bytesAt = now;
    if (left < 0) {
      this.byteTokens = -1 - left;
      return this.refuse(action, `the byte budget of ${describe(settings.bytes, "bytes")}`, -1, now);
    }
    this.byteTokens = left;
    if (this.strikes > 0) this.strikes--;
    return true;
  }

  /** Counts a refusal; `messageTokens` (when not -1) is what the shared message bucket holds after its refill. */
  private refuse(action: string, limit: string, messageTokens: number, now: number): false {
    if (messageTokens >= 0) {
      this.messageTokens = messageTokens;
      this.messagesAt = now;
    }
    const first = this.strikes === 0;
    this.strikes++;
    if (this.strikes > this.settings.closeAfter) {
      this.strikes = -1;
      this.events.rateLimited(
        new RepodError("RATE_LIMITED", `"${action}" is over ${limit}, and more than ${this.settings.closeAfter} messages were over it: closing`, { action }),
        true,
      );
    } else if (first) {
      this.events.rateLimited(new RepodError("RATE_LIMITED", `"${action}" is over ${limit}: not dispatched`, { action }), false);
    }
    return false;
  }
}

function describe(limit: RateLimit, unit: string): string {
  return `${limit.perSecond} ${unit}/s (burst ${limit.burst})`;
}
