/**
 * The client's side of sessions: it turns on what the server's greeting
 * offers, beats, and — when the connection breaks — reconnects with
 * exponential backoff and jitter and resumes the session, so that the
 * listener sees no gap and no duplicate.
 *
 * ```
 *  connecting ──greeting──▶ live                                              (`socketConnect`, `connected`)
 *      ╰─ refused, broken or stalled before the greeting ─▶ backoff ─▶ connecting   (`reconnecting`)
 *  live ──break──▶ away ──backoff, connect──▶ resuming ──_resumed──▶ live      (`reconnecting` … `reconnected`)
 *                   ▲                            │  ╰─_resume_failed─▶ live    (`error` RESUME_FAILED, `connected` {resumed:false})
 *                   ╰─────────── break / no answer ╯
 *                   attempts exhausted ─▶ off      (`error` CONNECT_FAILED, `disconnected`)
 * ```
 *
 * An attempt is done when the greeting (or the answer to `_resume`) has
 * arrived: a connection that opens and then breaks, or stays silent for
 * `connectTimeoutMs`, before that is a failed attempt like a refused one —
 * reported with a code in `reconnecting` and retried with the same backoff.
 * This holds for the first connection too, with or without a session to
 * resume; what the game sent meanwhile waits (in the link) for the attempt
 * that succeeds.
 *
 * Only a session with a server that offered `resume` reconnects: a Python
 * repod server cannot tell a broken connection from a kick, so against it a
 * closed connection stays closed, as in repod. A deliberate `close()` on
 * either side (`_bye`) never reconnects.
 *
 * While resuming, the server's greeting for the new connection (and anything
 * sent on it) is held: a `_resumed` answer drops it, a `_resume_failed`
 * answer makes it the start of a fresh session.
 */
import { RepodError } from "../errors.ts";
import type { Link } from "../link.ts";
import type { Message } from "../protocol.ts";
import type { Transport } from "../transport/transport.ts";
import { encodeFrame } from "../wire/codec.ts";
import { backoffDelay } from "./backoff.ts";
import { type Clock, systemClock, type TimerHandle } from "./clock.ts";
import {
  BYE,
  countOf,
  FEATURE_COMPAT,
  FEATURE_HEARTBEAT,
  FEATURE_RESUME,
  HEARTBEAT,
  HELLO,
  isBreak,
  MOVED,
  RESUME,
  RESUME_FAILED,
  RESUMED,
} from "./control.ts";
import { type Beating, Heartbeat } from "./heartbeat.ts";
import { Session, type SessionEvents } from "./session.ts";

/** The client's reconnection options, after defaults. */
export interface ReconnectSettings {
  reconnect: boolean;
  reconnectAttempts: number;
  reconnectMinDelayMs: number;
  reconnectMaxDelayMs: number;
  maxRetainedBytes: number;
  connectTimeoutMs: number;
}

/** What a client's resume machinery needs from the client. */
export interface ResumeHost {
  readonly link: Link;
  /** The fingerprint of the client's protocol; the session's token is bound to it. */
  readonly fingerprint: string | undefined;
  /** Queues a message or event for the next `pump()`. */
  push(message: Message): void;
  pushError(error: RepodError): void;
  /** Opens a new transport to the target of the last `connect()` (or of the last `retarget`). */
  open(): Promise<Transport>;
  /** The server named where to reconnect (`_moved {to}`): the next attempts go there. Returns why not, for an address the client cannot use. */
  retarget(to: string): string | undefined;
  /** A first-connection attempt's transport opened; its greeting has not come yet. */
  opened(): void;
  /**
   * A greeting starts a fresh session: check it and raise `connected` (calls
   * back `greeted`). `unsent`: frames the game sent while a session that could
   * not be resumed was away, to send on the fresh one once the game has seen
   * `connected`.
   */
  greet(greeting: Message & Record<string, unknown>, session: Session, unsent: Uint8Array[]): void;
  /** The session is whole again on a new connection. */
  reconnected(): void;
  /** Connecting gave up (attempts exhausted, or the first attempt failed with `reconnect` off): the connection is over. */
  gone(error: RepodError): void;
}

type Phase = "off" | "connecting" | "live" | "away" | "resuming";

export class ClientResume {
  private phase: Phase = "off";
  private session: Session | null = null;
  private id = "";
  private token = "";
  private offersResume = false;
  private timeoutMs = 0;
  private heartbeat: Heartbeat | null = null;
  private readonly member: Beating;
  private attempt = 0;
  private timer: TimerHandle | undefined;
  private bye = false;
  /** The server said `_moved` (it stops, and handed the session to its cluster): reconnect at once. */
  private moved = false;
  private stopped = false;
  /** The credential was sent in `_hello` and the server has not yet accepted it: a break now is a failed attempt. */
  private waitingWelcome = false;
  /** Counts `reset()`s, so that an attempt begun before a close and a new `connect()` cannot attach late. */
  private generation = 0;
  /** While resuming: the new connection's greeting, what came after it, and the session it would start. */
  private heldGreeting: (Message & Record<string, unknown>) | null = null;
  private held: Message[] = [];
  private fresh: Session | null = null;
  private readonly events: SessionEvents = {
    ackDue: () => this.beat(),
    closing: () => {
      if (this.phase === "live") this.host.link.sendControl(encodeFrame({ action: BYE }));
      return false;
    },
  };

  constructor(
    private readonly host: ResumeHost,
    private readonly settings: Readonly<ReconnectSettings>,
    /** What the heartbeat, the resume deadline and the backoff run on. */
    private readonly clock: Clock = systemClock,
  ) {
    const self = this;
    this.member = {
      get session() {
        return self.session!;
      },
      beat: () => this.beat(),
      timedOut: () =>
        this.host.link.drop(new RepodError("TIMEOUT", `nothing heard from the server for ${this.heartbeat?.timeoutMs} ms`, { remote: this.host.link.remote })),
    };
  }

  /** True while the connection is broken and being restored. */
  get away(): boolean {
    return this.phase === "away" || this.phase === "resuming";
  }

  /** True while the first connection is being made (no greeting yet). */
  get connecting(): boolean {
    return this.phase === "connecting";
  }

  /** A new `connect()`: forget any previous conversation. */
  reset(): void {
    this.stop();
    this.generation++;
    this.stopped = false;
    this.phase = "off";
    this.session = null;
    this.bye = false;
    this.moved = false;
    this.host.link.log = null;
  }

  /** A deliberate close: no more reconnecting or beating. */
  stop(): void {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.heartbeat?.clear();
  }

  /**
   * A `connect()`: makes the first attempt; resolves once its transport is
   * open or has failed. Failed attempts are retried in the background.
   */
  connect(): Promise<void> {
    this.phase = "connecting";
    this.attempt = 0;
    return this.tryOnce();
  }

  /** Refuses (QUEUE_FULL) a send while away that the session could not keep for resume. */
  checkRoom(frame: Uint8Array): void {
    const session = this.session;
    if (session === null || session.hasRoom(frame.length)) return;
    throw new RepodError(
      "QUEUE_FULL",
      `${session.retainedBytes} bytes already wait for the server to acknowledge them; maxRetainedBytes is ${session.maxRetainedBytes}`,
    );
  }

  /**
   * A greeting was accepted as the start of a session: turns on what it
   * offers (saying `_hello` first), then sends what was queued before it.
   * `session` is the one that already counted frames after the greeting.
   */
  greeted(greeting: Record<string, unknown>, session?: Session, credential?: unknown): void {
    this.clock.clearTimeout(this.timer); // the deadline of the greeting
    this.timer = undefined;
    const link = this.host.link;
    // With a credential, sends wait for the server's `_welcome` (see `welcomed`).
    this.waitingWelcome = credential !== undefined;
    if (!this.waitingWelcome) this.attempt = 0;
    const queued = this.waitingWelcome ? [] : link.release();
    const features = Array.isArray(greeting.features) ? greeting.features : [];
    this.offersResume = features.includes(FEATURE_RESUME) && typeof greeting.token === "string" && typeof greeting.id === "string";
    const intervalMs = countOf(greeting.heartbeatMs) ?? 0;
    const timeoutMs = countOf(greeting.timeoutMs) ?? 0;
    const beats = features.includes(FEATURE_HEARTBEAT) && intervalMs > 0 && timeoutMs > 0;
    if (!this.offersResume && !beats) {
      this.phase = "off";
      this.session = null;
      link.log = null;
      // A server that compares versions admits a connection once it says what it is: `_hello` says "ours, nothing more".
      if (credential !== undefined || features.includes(FEATURE_COMPAT)) {
        link.sendControl(encodeFrame(credential === undefined ? { action: HELLO, features: [] } : { action: HELLO, features: [], auth: credential }));
      }
    } else {
      this.session = session ?? new Session(this.offersResume ? this.settings.maxRetainedBytes : 0, this.events);
      if (!this.offersResume) this.session.resumable = false;
      this.id = String(greeting.id ?? "");
      this.token = String(greeting.token ?? "");
      this.timeoutMs = timeoutMs || this.settings.connectTimeoutMs;
      // Counting starts once the server accepted the credential: it sends nothing before, and we send nothing either.
      if (!this.waitingWelcome) link.log = this.session;
      const accepted = [...(beats ? [FEATURE_HEARTBEAT] : []), ...(this.offersResume ? [FEATURE_RESUME] : [])];
      const hello: Message & Record<string, unknown> = { action: HELLO, features: accepted };
      if (credential !== undefined) hello.auth = credential;
      link.sendControl(encodeFrame(hello));
      this.phase = "live";
      this.heartbeat?.clear();
      this.heartbeat = beats ? new Heartbeat(intervalMs, timeoutMs, this.clock) : null;
      this.watch();
    }
    for (const frame of queued) link.send(frame);
  }

  /** The server accepted the credential: what the game sent meanwhile leaves now. */
  welcomed(): void {
    if (!this.waitingWelcome) return;
    this.waitingWelcome = false;
    this.attempt = 0;
    if (this.session !== null) this.host.link.log = this.session;
    for (const frame of this.host.link.release()) this.host.link.send(frame);
  }

  /** The server refused the credential: it closes the connection, which must not be retried. */
  refused(): void {
    this.waitingWelcome = false;
    this.bye = true;
    this.stop();
  }

  /**
   * While the client waits for the server to judge its version of the
   * protocol, frames that arrive are counted for the session about to begin
   * (`existing`, when a failed resume already started one); pass the result
   * to `greeted`.
   */
  countArrivals(existing?: Session): Session {
    const fresh = existing ?? new Session(this.settings.maxRetainedBytes, this.events);
    this.host.link.log = { sent: () => {}, received: (bytes) => fresh.received(bytes) };
    return fresh;
  }

  /** While resuming, the new connection's greeting waits for the server's answer. Returns true when held. */
  holdGreeting(greeting: Message & Record<string, unknown>): boolean {
    if (this.phase !== "resuming") return false;
    this.heldGreeting = greeting;
    return true;
  }

  /** While resuming, messages wait for the server's answer. Returns true when held. */
  holdMessage(message: Message): boolean {
    if (this.phase !== "resuming") return false;
    this.held.push(message);
    return true;
  }

  /** A control frame from the server (not the greeting). */
  control(message: Message & Record<string, unknown>): void {
    if (this.session) this.session.heard = true;
    switch (message.action) {
      case HEARTBEAT: {
        if (this.phase !== "live" || this.session === null) return;
        const count = countOf(message.received);
        if (count === undefined || !this.session.acknowledge(count)) {
          this.host.pushError(
            new RepodError("NOT_A_MESSAGE", `"_hb" acknowledges ${String(message.received)} frames; ${this.session.sentCount} were sent`, {
              action: HEARTBEAT,
            }),
          );
        }
        // The server times the round trip (its inspector watches): answer at once, echoing its number.
        const ping = countOf(message.ping);
        if (ping !== undefined) {
          this.host.link.sendControl(encodeFrame({ action: HEARTBEAT, received: this.session.receivedCount, pong: ping }));
          this.session.ackSent();
        }
        return;
      }
      case BYE:
        this.bye = true;
        return;
      case MOVED:
        this.moved = true;
        if (message.to !== undefined) {
          const refused = typeof message.to === "string" ? this.host.retarget(message.to) : "it is not a string";
          if (refused !== undefined) {
            this.host.pushError(
              new RepodError("NOT_A_MESSAGE", `"_moved" names an address this client cannot use (${refused}): it reconnects to the same address`, {
                action: MOVED,
              }),
            );
          }
        }
        return;
      case RESUMED:
        if (this.phase === "resuming") this.resumed(message);
        return;
      case RESUME_FAILED:
        if (this.phase === "resuming") this.resumeFailed(message);
        return;
    }
  }

  /**
   * The transport closed. Returns true when the client reconnects (the
   * connection is not over); false when it ends here.
   */
  broken(error: RepodError | undefined): boolean {
    this.heartbeat?.delete(this.member);
    this.clock.clearTimeout(this.timer);
    if (this.stopped) return false;
    if (this.waitingWelcome && (this.phase === "live" || this.phase === "off")) {
      // The credential was not answered: like an attempt that got no greeting, retried afresh.
      this.waitingWelcome = false;
      this.heartbeat?.clear();
      this.session = null;
      this.host.link.log = null;
      this.phase = "connecting";
    }
    if (this.phase === "connecting") {
      // No greeting yet: a failed attempt, retried like a refused one — unless the end was chosen (PROTOCOL_MISMATCH) or the peer broke the protocol.
      if (!this.settings.reconnect || this.host.link.isClosing || !isBreak(error)) {
        this.phase = "off";
        return false;
      }
      this.next(error);
      return true;
    }
    const moved = this.moved;
    this.moved = false;
    if (this.phase === "resuming" || this.phase === "away") {
      // (Sent `_moved` in answer to `_resume`: that server cannot take the session, another may; with the usual backoff.)
      this.phase = "away";
      this.next(error);
      return true;
    }
    const session = this.session;
    if (this.phase !== "live" || session === null || !this.offersResume || !session.resumable || this.bye || !this.settings.reconnect || !isBreak(error)) {
      this.phase = "off";
      return false;
    }
    this.phase = "away";
    this.attempt = 0;
    this.next(error, moved);
    return true;
  }

  // ---- reconnecting -------------------------------------------------------------

  /** Schedules the next attempt, after the backoff (`now`: at once, the server handed the session over). */
  private next(error: RepodError | undefined, now = false): void {
    const why = error?.message ?? (now ? "the server stopped and handed the session over" : "the server closed the connection");
    if (++this.attempt > this.settings.reconnectAttempts) {
      this.phase = "off";
      this.session = null;
      this.host.link.log = null;
      this.host.gone(new RepodError("CONNECT_FAILED", `gave up reconnecting after ${this.settings.reconnectAttempts} attempts; the last: ${why}`));
      return;
    }
    const delayMs = now ? 0 : backoffDelay(this.attempt, { minDelayMs: this.settings.reconnectMinDelayMs, maxDelayMs: this.settings.reconnectMaxDelayMs });
    this.host.push({ action: "reconnecting", attempt: this.attempt, delayMs, code: error?.code ?? "CONNECT_FAILED", message: why } as Message);
    this.timer = this.clock.setTimeout(() => void this.tryOnce(), delayMs);
  }

  private async tryOnce(): Promise<void> {
    this.timer = undefined;
    const generation = this.generation;
    let transport: Transport;
    try {
      transport = await this.host.open();
    } catch (caught) {
      if (this.stopped || generation !== this.generation) return;
      const error = caught instanceof RepodError ? caught : new RepodError("CONNECT_FAILED", String(caught), { cause: caught });
      if (this.phase === "connecting" && !this.settings.reconnect) {
        this.phase = "off";
        this.host.gone(error);
      } else this.next(error);
      return;
    }
    if (this.stopped || generation !== this.generation) {
      transport.destroy();
      return;
    }
    const link = this.host.link;
    if (this.phase === "connecting") {
      this.host.opened();
      // Sends wait for the greeting: a session's `_hello` must go before them.
      link.attach(transport, true);
      const timeoutMs = this.settings.connectTimeoutMs;
      this.timer = this.clock.setTimeout(
        () => link.drop(new RepodError("CONNECT_FAILED", `no greeting from the server within ${timeoutMs} ms`, { remote: link.remote })),
        timeoutMs,
      );
      return;
    }
    const old = this.session!;
    const fresh = new Session(this.settings.maxRetainedBytes, this.events);
    this.phase = "resuming";
    this.fresh = fresh;
    this.held = [];
    this.heldGreeting = null;
    // Sends go on into the session being resumed; what arrives before the answer can only be a fresh session's.
    link.log = { sent: (frame) => old.sent(frame), received: (bytes) => fresh.received(bytes), closing: this.events.closing };
    link.attach(transport, true);
    const resume: Message & Record<string, unknown> = { action: RESUME, id: this.id, token: this.token, received: old.receivedCount };
    if (this.host.fingerprint !== undefined) resume.fingerprint = this.host.fingerprint;
    link.sendControl(encodeFrame(resume));
    this.timer = this.clock.setTimeout(
      () => link.drop(new RepodError("TIMEOUT", `the server did not answer the resume within ${this.timeoutMs} ms`, { remote: link.remote })),
      this.timeoutMs,
    );
  }

  private resumed(message: Record<string, unknown>): void {
    this.clock.clearTimeout(this.timer);
    const link = this.host.link;
    const session = this.session!;
    const received = countOf(message.received);
    const frames = received === undefined ? "it gave no count of received frames" : session.framesAfter(received);
    if (typeof frames === "string" || typeof message.token !== "string") {
      this.phase = "off";
      link.drop(new RepodError("RESUME_FAILED", `the server's answer to resume cannot be followed: ${typeof frames === "string" ? frames : "no token"}`));
      return;
    }
    this.token = message.token;
    link.log = session;
    link.release(); // what was sent while away is among the retained frames
    for (const frame of frames) link.write(frame);
    this.phase = "live";
    this.held = [];
    this.heldGreeting = null;
    this.fresh = null;
    // Acknowledge at once: it also tells the server we hold the new token.
    this.beat();
    this.watch();
    const attempts = this.attempt;
    this.attempt = 0;
    this.host.reconnected();
    this.host.push({ action: "reconnected", attempts } as Message);
  }

  private resumeFailed(message: Record<string, unknown>): void {
    this.clock.clearTimeout(this.timer);
    const link = this.host.link;
    const old = this.session!;
    const unacknowledged = old.sentCount - old.acked;
    const greeting = this.heldGreeting;
    const held = this.held;
    const fresh = this.fresh!;
    this.session = null;
    this.heldGreeting = null;
    this.held = [];
    this.fresh = null;
    this.phase = "off";
    this.attempt = 0;
    // What the game sent since the break never left this client (it waited in the link):
    // it goes on the fresh session, after the game's `connected` handler. What left
    // before the break and was not acknowledged may or may not have been read.
    const unsent = link.release();
    const before = unacknowledged - unsent.length;
    const reason = typeof message.reason === "string" ? message.reason : "the server refused";
    const resent =
      unsent.length > 0
        ? `; the ${plural(unsent.length, "message")} sent since the connection broke ${unsent.length === 1 ? "is" : "are"} sent on it after your connected handler`
        : "";
    const lost = before > 0 ? `; ${before} sent before the break may not have arrived` : "";
    this.host.pushError(
      new RepodError("RESUME_FAILED", `could not resume the session (${reason}): a fresh one begins${resent}${lost}`, { remote: link.remote }),
    );
    if (greeting === null) {
      link.drop(new RepodError("RESUME_FAILED", "the server refused to resume without greeting first"));
      return;
    }
    this.host.greet({ ...greeting, resumed: false }, fresh, unsent);
    for (const message of held) this.host.push(message);
  }

  private beat(): void {
    const session = this.session;
    if (this.phase !== "live" || session === null) return;
    this.host.link.sendControl(encodeFrame({ action: HEARTBEAT, received: session.receivedCount }));
    this.host.link.transport?.ping?.(); // WebSocket: the protocol's own ping; its pong counts as heard
    session.ackSent();
  }

  private watch(): void {
    if (this.heartbeat === null || this.session === null) return;
    this.heartbeat.add(this.member);
  }
}

/** "1 message", "2 messages". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
