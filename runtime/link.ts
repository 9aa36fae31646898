/**
 * A link is one side of a conversation: what a server's Channel and a
 * client share. It turns payloads from the current transport into checked
 * messages, and messages into frames on it.
 *
 * The transport under a link can change: a client's link outlives a broken
 * TCP connection, and a server re-attaches a resumed session's link to the
 * new connection (see `session/`). Frames sent while no transport is
 * attached wait in a bounded queue and leave, in order, on the next one.
 *
 * ```
 *  transport ──payload──▶ decode ▶ is it a message? ▶ control (_*) ──▶ owner.control
 *                                                  ╰▶ count ▶ validate ▶ owner.message  (also `_reply`)
 *  owner.send ──frame──▶ (retained for resume) ▶ transport.write | queue while away
 * ```
 */
import { CONTROL_PREFIX, REPLY_ACTION, REQUEST_ID_KEY } from "./constants.ts";
import { RepodError } from "./errors.ts";
import { isApplicationMessage } from "./limits/peek.ts";
import { type LimiterEvents, RateLimiter, type RateSettings } from "./limits/rate-limiter.ts";
import type { Message, Validator } from "./protocol.ts";
import type { Transport, TransportEvents } from "./transport/transport.ts";
import { remoteOf } from "./transport/transport.ts";
import { asMessage, decodePayload } from "./wire/codec.ts";

/** What a link reports to its owner (a Channel, a Client). */
export interface LinkOwner {
  /** A checked application message, in arrival order; `bytes` is the size of its payload. */
  message(message: Message & Record<string, unknown>, bytes: number): void;
  /** A control frame (action starting with `_`: heartbeat, resume) or the server's `connected` greeting. */
  control(message: Message & Record<string, unknown>): void;
  /** A message was over its rate limit (see limits/): the first of a run, or one too many (`closing`). Links with rate limits only. */
  rateLimited?(error: RepodError, closing: boolean): void;
  /** Bad input that did not break the connection (DECODE_FAILED, NOT_A_MESSAGE, INVALID_PAYLOAD, SLOW_CONSUMER…). */
  problem(error: RepodError): void;
  /** A request (a message with a request id) was refused as INVALID_PAYLOAD: answer it with `problem` (see requests.ts). */
  invalidRequest?(message: Message & Record<string, unknown>, problem: string): void;
  /** The transport closed; `error` says why when it was not a clean close. */
  transportClosed(transport: Transport, error: RepodError | undefined): void;
}

/** Limits of one link. */
export interface LinkLimits {
  maxFrameBytes: number;
  maxBufferedBytes: number;
  /** A server's rate limits (see limits/); each link makes its limiter from them at its first message. @default undefined (none) */
  rate?: RateSettings;
}

/** Hooks of a session that keeps frames for resume (see `session/`). */
export interface FrameLog {
  /** An application frame was sent (or queued): keep it until the peer acknowledges it. */
  sent(frame: Uint8Array): void;
  /**
   * An application frame of `bytes` payload bytes arrived (counted even when
   * it is then refused as bad input). True: the peer resent a frame already
   * applied (cluster sessions, see server-sessions.ts): counted, not dispatched.
   */
  received(bytes: number): unknown;
  /** The transport's own keep-alive was answered (a WebSocket pong): the peer is alive. */
  alive?(): void;
  /**
   * The link is being closed on purpose: the last chance to tell the peer
   * not to resume. Return true to end the transport yourself, later, by
   * calling `end` (a session that must first learn whether the peer
   * understands a goodbye).
   */
  closing?(end: () => void): boolean;
  /** The last `count` frames sent never left and never will (see `releaseOnly`): forget them. */
  unsend?(count: number): void;
}

/** Watches a link's application messages (the server's inspector); a link without one pays a null check. */
export interface LinkTap {
  /** A message arrived (before validation), `bytes` long. */
  received(message: Message & Record<string, unknown>, bytes: number): void;
  /** An application frame was sent or queued. */
  sent(frame: Uint8Array): void;
  /**
   * A heartbeat goes out (with the transport's ping when `native`): returns
   * the number the client is asked to echo to time the round trip, or
   * undefined (nobody watches, or the native ping times it).
   */
  beating?(native: boolean): number | undefined;
  /** The peer answered: its WebSocket pong (`probe` undefined), or the echo of `probe` in its heartbeat. */
  answered?(probe: number | undefined): void;
}

const CONTROL = CONTROL_PREFIX.charCodeAt(0);

/**
 * The validator of the last action looked up, for any link: games send runs
 * of the same action, and a string compare beats hashing a freshly decoded
 * key. Kept here, not per link, so that a link costs nothing for it.
 */
let lastValidators: ReadonlyMap<string, Validator> | null = null;
let lastAction = "";
let lastValidator: Validator | undefined;

function validatorOf(validators: ReadonlyMap<string, Validator>, action: string): Validator | undefined {
  if (action === lastAction && validators === lastValidators) return lastValidator;
  lastValidators = validators;
  lastAction = action;
  return (lastValidator = validators.get(action));
}

/** An empty frame list never written to: an idle link holds no array of its own. */
const NONE: Uint8Array[] = [];

/**
 * A link is the receiver of its transport's events itself (`bind(link)`): its
 * methods are shared, so attaching costs no closure.
 */
export class Link implements TransportEvents, LimiterEvents {
  private current: Transport | null = null;
  /** Frames sent while no transport was attached; they leave first on the next one. */
  private waiting: Uint8Array[] = NONE;
  private waitingBytes = 0;
  private closing = false;
  /** While true, sends queue in `waiting` even with a transport attached (see `attach`). */
  private holding = false;
  private firstError: RepodError | undefined;
  /** Set by a session that retains frames for resume. */
  log: FrameLog | null = null;
  /**
   * Made at the first application message when `limits.rate` is set (a
   * server's): a message over budget goes no further (not validated, not
   * dispatched).
   */
  limiter: RateLimiter | null = null;
  /** Set by the server's inspector, when it has one. */
  tap: LinkTap | null = null;

  constructor(
    private readonly owner: LinkOwner,
    readonly limits: LinkLimits,
    /** Validators of incoming messages by action; null when validation is off. */
    private readonly validators: ReadonlyMap<string, Validator> | null,
  ) {}

  /** The transport carrying this link now, if any. */
  get transport(): Transport | null {
    return this.current;
  }

  /** True while a transport is attached and open. */
  get isOpen(): boolean {
    return this.current?.isOpen === true;
  }

  /** `host:port` of the peer, or "" when detached. */
  get remote(): string {
    return this.current ? remoteOf(this.current) : "";
  }

  /** True once `close()` or `abort()` was called: the end is deliberate. */
  get isClosing(): boolean {
    return this.closing;
  }

  /**
   * Puts the link on `transport` and sends what waited for it — or, with
   * `hold`, keeps queueing application frames until `release()`, so that
   * control frames (a session's hello or resume) go first.
   */
  attach(transport: Transport, hold = false): void {
    this.current = transport;
    this.holding = hold;
    this.firstError = undefined;
    transport.bind(this);
    if (this.limiter?.isPaused) transport.setReading?.(false); // a resumed session still over its budget
    if (!hold && this.waiting.length) {
      const frames = this.waiting;
      this.waiting = NONE;
      this.waitingBytes = 0;
      for (const frame of frames) transport.write(frame);
    }
  }

  /** Takes the link off its transport without closing it (the session lives on). */
  detach(): Transport | null {
    const transport = this.current;
    this.current = null;
    return transport;
  }

  /**
   * Ends a `hold`: returns the frames that queued meanwhile, in order, for
   * the caller to send (`send` counts them), resend or drop.
   */
  release(): Uint8Array[] {
    this.holding = false;
    const frames = this.waiting;
    this.waiting = NONE;
    this.waitingBytes = 0;
    return frames;
  }

  /**
   * Ends a hold, keeping only the frames `keep` accepts, in order: the others
   * are taken back from the log, as never sent (they were held for a peer that
   * turned out not to read them). Every held frame must have come from `send`.
   */
  releaseOnly(keep: (frame: Uint8Array) => boolean): Uint8Array[] {
    const frames = this.release();
    const kept = frames.filter(keep);
    if (kept.length !== frames.length && this.log !== null) {
      this.log.unsend?.(frames.length);
      for (const frame of kept) this.log.sent(frame);
    }
    return kept;
  }

  /**
   * Sends one encoded frame of an application message. Returns the bytes
   * written or queued; 0 when the link is closing. Throws QUEUE_FULL, before
   * counting the frame, when it would have to wait and the queue is full.
   */
  send(frame: Uint8Array): number {
    if (this.closing) return 0;
    if (this.current === null || this.holding) this.checkRoom(frame);
    this.log?.sent(frame);
    if (this.tap !== null) this.tap.sent(frame);
    return this.write(frame);
  }

  /**
   * Sends a frame outside the session's count (greetings, control frames),
   * now: a hold does not delay it, and a goodbye may still leave while the
   * link closes. Returns 0 once the transport is ending.
   */
  sendControl(frame: Uint8Array): number {
    if (this.current === null) return 0;
    // Not a sign of a slow reader (a greeting on a fresh connection, a heartbeat): application writes are what is checked.
    return this.writeTo(this.current, frame, false);
  }

  /** Writes without counting: used by `send`, and by resume to resend retained frames. */
  write(frame: Uint8Array): number {
    const transport = this.current;
    if (transport === null || this.holding) {
      this.checkRoom(frame);
      if (this.waiting === NONE) this.waiting = [];
      this.waiting.push(frame);
      this.waitingBytes += frame.length;
      return frame.length;
    }
    return this.writeTo(transport, frame);
  }

  private writeTo(transport: Transport, frame: Uint8Array, check = true): number {
    if (!transport.isOpen) return 0;
    transport.write(frame);
    if (check && transport.bufferedBytes > this.limits.maxBufferedBytes) {
      this.firstError ??= new RepodError(
        "SLOW_CONSUMER",
        `${transport.bufferedBytes} bytes wait for a peer that does not read them; maxBufferedBytes is ${this.limits.maxBufferedBytes}`,
        { remote: remoteOf(transport) },
      );
      transport.destroy();
    }
    return frame.length;
  }

  private checkRoom(frame: Uint8Array): void {
    if (this.waitingBytes + frame.length > this.limits.maxBufferedBytes) {
      throw new RepodError(
        "QUEUE_FULL",
        `${this.waitingBytes} bytes already wait for the connection to come back; maxBufferedBytes is ${this.limits.maxBufferedBytes}`,
      );
    }
  }

  /** Closes after sending what is queued. Nothing more can be sent. */
  close(): void {
    const first = !this.closing;
    this.closing = true;
    this.holding = false;
    this.waiting = NONE;
    const transport = this.current;
    if (transport === null) return;
    if (first && this.log?.closing?.(() => transport.end())) return;
    transport.end();
  }

  /** Closes now, recording why. */
  abort(error: RepodError): void {
    this.closing = true;
    this.firstError ??= error;
    this.current?.destroy();
  }

  /**
   * Drops the transport now, recording why, but keeps the link open: the
   * session lives on and may resume on another transport (a heartbeat TIMEOUT).
   */
  drop(error: RepodError): void {
    const transport = this.current;
    if (transport === null) return;
    this.firstError ??= error;
    transport.destroy();
  }

  /** Reopens a link that a deliberate close() ended, for a client that connects again. */
  reset(): void {
    if (!this.closing) return; // sends made before the first connect() keep waiting
    this.closing = false;
    this.holding = false;
    this.waiting = NONE;
    this.waitingBytes = 0;
  }

  /** Makes the link's rate limiter (at its first application message); the link hears what it says. */
  private limit(rate: RateSettings): RateLimiter {
    return (this.limiter = new RateLimiter(rate, this));
  }

  /** The channel is gone: no pause timer left behind, and what still arrives is refused unread. */
  disposeLimiter(): void {
    const rate = this.limits.rate;
    if (rate !== undefined) (this.limiter ?? this.limit(rate)).dispose();
  }

  /** Limiter event: a message was over budget (see limits/); the owner tells the peer and the server. */
  refused(error: RepodError, closing: boolean): void {
    this.owner.rateLimited?.(error, closing);
  }

  /** Limiter event: stop or start again reading from the peer (backpressure while over budget). */
  reading(on: boolean): void {
    this.current?.setReading?.(on);
  }

  /** Transport event: a payload arrived (the link is its transport's event receiver). */
  payload(source: Uint8Array, start: number, end: number): void {
    const limiter = this.limiter;
    if (limiter?.isPaused && isApplicationMessage(source, start, end)) {
      // Reading is paused for being over budget: what was already read is refused without decoding it.
      this.log?.received(end - start);
      limiter.refuseUnread();
      return;
    }
    let message: Message & Record<string, unknown>;
    try {
      message = asMessage(decodePayload(source, start, end));
    } catch (error) {
      this.log?.received(end - start);
      this.owner.problem(this.withRemote(error as RepodError));
      return;
    }
    const action = message.action;
    // Control frames and the greeting belong to the connection, not to the
    // session: they are neither counted nor validated nor dispatched here.
    // A request's answer (`_reply`) is an application frame: counted and retained like any message.
    if ((action.charCodeAt(0) === CONTROL && action !== REPLY_ACTION) || action === "connected") {
      this.owner.control(message);
      return;
    }
    if (this.log?.received(end - start) === true) return;
    const rate = this.limits.rate;
    if (rate !== undefined && !(limiter ?? this.limit(rate)).allow(action, end - start)) return;
    if (this.tap !== null) this.tap.received(message, end - start);
    const validate = this.validators === null ? undefined : validatorOf(this.validators, action);
    if (validate !== undefined) {
      let problem: string | undefined;
      try {
        problem = validate(message);
      } catch (error) {
        // Only absurd input gets here (e.g. nesting deep enough to exhaust the stack).
        problem = `could not be checked: ${error instanceof Error ? error.message : String(error)}`;
      }
      if (problem !== undefined) {
        this.owner.problem(new RepodError("INVALID_PAYLOAD", `invalid "${action}": ${problem}`, { remote: this.remote, action }));
        if (message[REQUEST_ID_KEY] !== undefined) this.owner.invalidRequest?.(message, `invalid "${action}": ${problem}`);
        return;
      }
    }
    this.owner.message(message, end - start);
  }

  /** Transport event: the transport broke; the first reason is the one reported when it closes. */
  error(error: RepodError): void {
    this.firstError ??= error;
  }

  /** Transport event: the transport's own keep-alive was answered. */
  pong(): void {
    this.log?.alive?.();
    if (this.tap !== null) this.tap.answered?.(undefined);
  }

  /** Transport event: bad input that left the transport usable. */
  problem(error: RepodError): void {
    this.owner.problem(this.withRemote(error));
  }

  /** Transport event: the transport closed. */
  closed(transport: Transport): void {
    if (this.current === transport) this.current = null;
    this.owner.transportClosed(transport, this.firstError);
  }

  private withRemote(error: RepodError): RepodError {
    if (!(error instanceof RepodError) || error.remote || !this.current) return error;
    return new RepodError(error.code, error.message, { remote: this.remote, cause: error });
  }
}
