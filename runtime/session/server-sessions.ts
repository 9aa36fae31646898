/**
 * The server's side of sessions: what it offers in its greeting, which
 * connections turned out to be our clients (they say `_hello`), the
 * heartbeat over them, suspending a session whose connection broke, and
 * resuming it — the same Channel object — on the connection that presents
 * its id and token.
 *
 * A connection starts "undecided": the server cannot tell our client from a
 * Python repod client until the first frame comes. `_hello` makes it a live
 * session; `_resume` hands its transport to a suspended (or stale) session;
 * an application frame makes it a plain repod connection, which never gets a
 * control frame and is never timed out. A connection that says nothing keeps
 * its frames only up to `maxRetainedBytes` (references to frames a broadcast
 * shares, mostly), then is taken for a quiet Python client. An undecided connection that breaks may be our
 * client whose `_hello` was lost with it, so its session is kept too, but
 * only for {@link UNHEARD_RESUME_WINDOW_MS}: a Python client that never said
 * a word leaves that much later.
 *
 * While sessions are suspended (or silent, so possibly broken without the
 * server knowing), a new connection may be a client coming back, so its
 * channel is admitted — put among `channels`, `onConnect` fired — only once
 * its first frame says it is not a resume, or after {@link ADMIT_DEADLINE_MS}.
 * A server whose protocol has versions (see compat/) makes every connection
 * wait so, whatever its sessions: `onConnect` must know which version the
 * client speaks, and our client says it (`_protocol`, then `_hello`) before
 * anything else; a Python client's first message admits it.
 * Until then it is pending: already greeted, so already a member of
 * deliveries (see roster.ts), whose frames its link holds and its session
 * counts. Admitted, it gets them first; a resume of another session drops
 * them (that session was sent the same, and resends from its own log).
 * A server with no such sessions (all-Python clients, say) admits at once.
 */
import { ADMIT_DEADLINE_MS, UNHEARD_RESUME_WINDOW_MS } from "../constants.ts";
import { RepodError } from "../errors.ts";
import type { Endpoint } from "../host.ts";
import type { Logger } from "../logging.ts";
import type { Message } from "../protocol.ts";
import type { Transport, TransportEvents } from "../transport/transport.ts";
import { encodeFrame } from "../wire/codec.ts";
import { type Clock, systemClock, type TimerHandle } from "./clock.ts";
import { BYE, countOf, FEATURE_HEARTBEAT, FEATURE_RESUME, HEARTBEAT, HELLO, isBreak, RESUME, RESUME_FAILED, RESUMED } from "./control.ts";
import { type Beating, Heartbeat } from "./heartbeat.ts";
import { type SessionEvents, SessionLog, SUBCLASS_FLAG } from "./session.ts";
import { sameToken, TokenMint } from "./token.ts";

/** The server's session options, after defaults. */
export interface SessionSettings {
  /** 0 turns the heartbeat off. */
  heartbeatIntervalMs: number;
  timeoutMs: number;
  /** 0 turns resume off: a broken connection ends its session. */
  resumeWindowMs: number;
  maxRetainedBytes: number;
}

/** What the sessions need from their server. */
export interface SessionHost<C extends Endpoint> {
  readonly isRunning: boolean;
  /** The fingerprint of the protocol a channel's client speaks (the server's, or the client's own version); its tokens are bound to it. */
  fingerprintOf(channel: C): string | undefined;
  readonly logger: Logger;
  /** Makes a waiting channel one of the server's: `channels`, `onConnect`. */
  admit(channel: C): void;
  /** Ends a channel for good: `onClose`, `onDisconnect`. */
  release(channel: C): void;
  /** Lets go of a channel never admitted (no hook): it leaves the deliveries it was pending in. */
  dropped(channel: C): void;
  /** A session's connection broke; it waits for its client (`onSuspend`). */
  suspended(channel: C): void;
  /** A session goes on over a new connection (`onResume`). */
  resumed(channel: C): void;
}

const ADMITTED = SUBCLASS_FLAG;
const CONFIRMED = SUBCLASS_FLAG << 1;
const SAID_BYE = SUBCLASS_FLAG << 2;
/** Set while the server's sessions know the entry (from `accepted` until `forget`). */
const KNOWN = SUBCLASS_FLAG << 5;
/** Two bits for the phase: 0 undecided, 1 live, 2 suspended. */
const PHASE_SHIFT = 5;
const PHASE = 3 << PHASE_SHIFT;
const PHASES = ["undecided", "live", "suspended"] as const;
type Phase = (typeof PHASES)[number];

/** What only a session with a timer running (or a close waiting) holds. */
interface Pending {
  timer: TimerHandle | undefined;
  admitTimer: TimerHandle | undefined;
  end: (() => void) | undefined;
}

/**
 * One connection's session: its frame log (a {@link SessionLog}), its place in
 * the heartbeat, and what the server knows of its peer — one object, whose
 * hooks are methods shared by all, so that an idle connection costs little
 * (yes-or-no state and the phase share one number; timers live apart, only
 * while one runs).
 */
class Entry<C extends Endpoint> extends SessionLog implements Beating, SessionEvents {
  /**
   * The generation of the session's token (see token.ts): it grows at every
   * resume. And the one presented at the last resume, until the client
   * shows it has the new one (-1: none).
   */
  generation = 0;
  previous = -1;
  /** Timers and the close that waits for the peer: made only while one of them is set. */
  private pending: Pending | undefined = undefined;

  constructor(
    readonly sessions: ServerSessions<C>,
    readonly channel: C,
  ) {
    super();
    this.flags |= ADMITTED | KNOWN;
  }

  /** Known to its server's sessions: the channel's link logs to it, and it is found through the link. */
  get known(): boolean {
    return (this.flags & KNOWN) !== 0;
  }
  set known(value: boolean) {
    this.flags = value ? this.flags | KNOWN : this.flags & ~KNOWN;
  }

  /** 0 when resume is off: nothing is retained. */
  get maxRetainedBytes(): number {
    const settings = this.sessions.settings;
    return settings.resumeWindowMs > 0 ? settings.maxRetainedBytes : 0;
  }

  get phase(): Phase {
    return PHASES[(this.flags & PHASE) >> PHASE_SHIFT]!;
  }
  set phase(value: Phase) {
    this.flags = (this.flags & ~PHASE) | (PHASES.indexOf(value) << PHASE_SHIFT);
  }

  /** Set when the channel was closed before its peer said what it is: ends the connection once it has. */
  get end(): (() => void) | undefined {
    return this.pending?.end;
  }
  set end(value: (() => void) | undefined) {
    this.setPending("end", value);
  }

  /** The resume window of a suspended session, or the deadline of a close waiting for the peer. */
  get timer(): TimerHandle | undefined {
    return this.pending?.timer;
  }
  set timer(value: TimerHandle | undefined) {
    this.setPending("timer", value);
  }

  /** The admission deadline of a connection that may be a resume. */
  get admitTimer(): TimerHandle | undefined {
    return this.pending?.admitTimer;
  }
  set admitTimer(value: TimerHandle | undefined) {
    this.setPending("admitTimer", value);
  }

  private setPending<K extends keyof Pending>(key: K, value: Pending[K]): void {
    let pending = this.pending;
    if (pending === undefined) {
      if (value === undefined) return;
      pending = this.pending = { timer: undefined, admitTimer: undefined, end: undefined };
    }
    pending[key] = value;
    if (pending.timer === undefined && pending.admitTimer === undefined && pending.end === undefined) this.pending = undefined;
  }

  /** Put among the server's channels (onConnect fired). Kept in the session's flags, as the two below. */
  get admitted(): boolean {
    return (this.flags & ADMITTED) !== 0;
  }
  set admitted(value: boolean) {
    this.flags = value ? this.flags | ADMITTED : this.flags & ~ADMITTED;
  }

  /** The peer is one of our clients (it said `_hello`, or resumed). */
  get confirmed(): boolean {
    return (this.flags & CONFIRMED) !== 0;
  }
  set confirmed(value: boolean) {
    this.flags = value ? this.flags | CONFIRMED : this.flags & ~CONFIRMED;
  }

  /** The peer said `_bye`: it is leaving on purpose. */
  get bye(): boolean {
    return (this.flags & SAID_BYE) !== 0;
  }
  set bye(value: boolean) {
    this.flags = value ? this.flags | SAID_BYE : this.flags & ~SAID_BYE;
  }

  /** The heartbeat's view: the entry is its own session. */
  get session(): SessionLog {
    return this;
  }

  beat(): void {
    this.sessions.beat(this);
  }

  timedOut(): void {
    this.sessions.timedOut(this);
  }

  ackDue(): void {
    this.sessions.beat(this);
  }

  overflowed(): void {
    this.sessions.overflowed(this);
  }

  override closing(end: () => void): boolean {
    return this.sessions.closing(this, end);
  }

  first(): void {
    this.sessions.firstFrame(this);
  }
}

const NOOP = (): void => {};
const DETACHED: TransportEvents = { payload: NOOP, error: NOOP, closed: NOOP };

export class ServerSessions<C extends Endpoint> {
  /** What the greeting offers. */
  readonly features: readonly string[];
  /** Sessions that can be resumed (live or suspended), by channel id. */
  private readonly byId = new Map<string, Entry<C>>();
  private readonly heartbeat: Heartbeat | null;
  private readonly mint = new TokenMint();
  private suspendedCount = 0;

  constructor(
    private readonly host: SessionHost<C>,
    readonly settings: Readonly<SessionSettings>,
    /** What the heartbeat and the session timers run on. */
    private readonly clock: Clock = systemClock,
  ) {
    this.heartbeat = settings.heartbeatIntervalMs > 0 ? new Heartbeat(settings.heartbeatIntervalMs, settings.timeoutMs, clock) : null;
    const features: string[] = [];
    if (this.heartbeat) features.push(FEATURE_HEARTBEAT);
    if (settings.resumeWindowMs > 0) features.push(FEATURE_RESUME);
    this.features = features;
  }

  /**
   * A channel's session: the frame log of its link, while known. Kept on the
   * link rather than in a map of the server's: one map entry less per connection.
   */
  private entryOf(channel: C): Entry<C> | undefined {
    const log = channel.link.log;
    return log instanceof Entry && log.known && log.sessions === this ? (log as Entry<C>) : undefined;
  }

  /** False when both heartbeat and resume are off: the server behaves exactly as repod's. */
  get enabled(): boolean {
    return this.features.length > 0;
  }

  /** True when the channel's peer is one of our clients (it said `_hello`, or resumed): it reads control frames. */
  isOurs(channel: C): boolean {
    return this.entryOf(channel)?.confirmed ?? false;
  }

  /** Sessions waiting for their client to come back. */
  get suspended(): number {
    return this.suspendedCount;
  }

  /**
   * A connection was accepted and its channel made: adds the session fields
   * to the greeting about to be sent. Returns true when the channel must wait
   * before being admitted (see the file's comment): always with `decide`, the
   * connection must first say what it is.
   */
  accepted(channel: C, greeting: Record<string, unknown>, decide = false): boolean {
    const resume = this.settings.resumeWindowMs > 0;
    const entry = new Entry(this, channel);
    if (!resume) entry.resumable = false; // counts, keeps nothing: no overflow to take it for a quiet Python client
    const wait = decide || (resume && (this.suspendedCount > 0 || (this.heartbeat?.silent ?? 0) > 0));
    // By id: to be resumed, and for stop() to find every session that waits (one that waits is listed even without resume).
    if (resume || wait) this.byId.set(channel.id, entry);
    channel.link.log = entry;
    greeting.features = this.features;
    if (resume) {
      greeting.token = this.mint.token(channel.id, entry.generation);
      greeting.resumeWindowMs = this.settings.resumeWindowMs;
    }
    if (this.heartbeat) {
      greeting.heartbeatMs = this.settings.heartbeatIntervalMs;
      greeting.timeoutMs = this.settings.timeoutMs;
    }
    if (wait) {
      entry.admitted = false;
      entry.admitTimer = this.clock.setTimeout(() => this.admit(entry), ADMIT_DEADLINE_MS);
    }
    return wait;
  }

  /** A control frame from a channel's peer. Returns false for one that is not a session's. */
  control(channel: C, message: Message & Record<string, unknown>): boolean {
    const entry = this.entryOf(channel);
    if (entry === undefined) return false;
    entry.session.heard = true;
    switch (message.action) {
      case HELLO:
        if (entry.phase === "undecided") this.confirm(entry);
        return true;
      case RESUME:
        this.resume(entry, message);
        return true;
      case HEARTBEAT: {
        if (entry.phase !== "live") return true;
        // The client answers a resume with a heartbeat: it has the new token, the one it presented is spent.
        entry.previous = -1;
        if (message.pong !== undefined) channel.link.tap?.answered?.(countOf(message.pong) ?? -1); // the inspector times the round trip
        const count = countOf(message.received);
        if (count === undefined || !entry.session.acknowledge(count)) {
          channel.report(
            new RepodError("NOT_A_MESSAGE", `"_hb" acknowledges ${String(message.received)} frames; ${entry.session.sentCount} were sent`, {
              remote: channel.link.remote,
              action: HEARTBEAT,
            }),
          );
        }
        return true;
      }
      case BYE:
        entry.bye = true;
        return true;
    }
    return false;
  }

  /**
   * A channel's transport closed. Returns true when the channel lives on —
   * suspended for resume, or never admitted — and must not be released.
   */
  transportClosed(channel: C, transport: Transport, error: RepodError | undefined): boolean {
    const entry = this.entryOf(channel);
    if (entry === undefined) return false;
    if (channel.link.transport !== null && channel.link.transport !== transport) return true; // an old connection, already replaced
    if (entry.phase === "suspended") return true;
    this.heartbeat?.delete(entry);
    const resumable =
      this.settings.resumeWindowMs > 0 && !entry.bye && !channel.link.isClosing && this.host.isRunning && entry.session.resumable && isBreak(error);
    if (!resumable) {
      this.forget(entry);
      return false; // released; a channel never admitted has nothing to release
    }
    entry.phase = "suspended";
    this.suspendedCount++;
    this.clock.clearTimeout(entry.timer);
    this.clock.clearTimeout(entry.admitTimer);
    const windowMs = entry.confirmed ? this.settings.resumeWindowMs : Math.min(this.settings.resumeWindowMs, UNHEARD_RESUME_WINDOW_MS);
    entry.timer = this.clock.setTimeout(() => this.expire(entry), windowMs);
    if (entry.admitted) {
      this.host.logger({ event: "suspend", id: channel.id });
      this.host.suspended(channel);
    }
    return true;
  }

  /** The server let a channel go: forget its session. */
  released(channel: C): void {
    const entry = this.entryOf(channel);
    if (entry !== undefined) this.forget(entry);
  }

  /**
   * The server is stopping: ends suspended sessions (their clients are not
   * coming back to this server), lets go of channels not yet admitted (the
   * server ends their connections), stops the heartbeat.
   */
  stop(): void {
    this.heartbeat?.clear();
    // Every suspended session and every connection waiting to be admitted is in byId (see accepted).
    for (const entry of [...this.byId.values()]) {
      if (entry.phase === "suspended") {
        this.host.release(entry.channel);
      } else if (!entry.admitted) {
        // Never admitted: the server ends its connection, after what it was sent while pending.
        this.forget(entry);
        this.host.dropped(entry.channel);
      }
    }
  }

  // ---- the life of one session ------------------------------------------------

  /** The peer said `_hello`: one of our clients, with a fresh session. */
  private confirm(entry: Entry<C>): void {
    if (entry.end) return this.finishClose(entry, true);
    this.clock.clearTimeout(entry.timer);
    entry.phase = "live";
    entry.confirmed = true;
    this.watch(entry);
    this.admit(entry);
  }

  /** A suspended session's window passed. */
  private expire(entry: Entry<C>): void {
    if (entry.admitted)
      this.host.release(entry.channel); // calls back `released`
    else {
      this.forget(entry);
      this.host.dropped(entry.channel);
    }
  }

  /** An application frame came first, or nothing came: a repod peer that knows no control frame. */
  /** @internal */
  firstFrame(entry: Entry<C>): void {
    if (entry.phase === "undecided") this.notOurs(entry);
  }

  private notOurs(entry: Entry<C>): void {
    if (entry.phase !== "undecided") return;
    if (entry.end) return this.finishClose(entry, false);
    this.forget(entry);
    this.admit(entry);
  }

  private admit(entry: Entry<C>): void {
    this.clock.clearTimeout(entry.admitTimer);
    entry.admitTimer = undefined;
    if (entry.admitted) return;
    entry.admitted = true;
    this.host.admit(entry.channel);
  }

  private watch(entry: Entry<C>): void {
    if (!this.heartbeat) return;
    this.heartbeat.add(entry);
  }

  /** @internal */
  beat(entry: Entry<C>): void {
    if (entry.phase !== "live") return;
    const session = entry.session;
    const link = entry.channel.link;
    // While the inspector watches, the heartbeat times the round trip: by the WebSocket pong, or by the client's echo of `ping`.
    const probe = link.tap?.beating?.(link.transport?.ping !== undefined);
    link.sendControl(
      encodeFrame(
        probe === undefined ? { action: HEARTBEAT, received: session.receivedCount } : { action: HEARTBEAT, received: session.receivedCount, ping: probe },
      ),
    );
    link.transport?.ping?.(); // WebSocket: the protocol's own ping; its pong counts as heard
    session.ackSent();
  }

  /** @internal */
  timedOut(entry: Entry<C>): void {
    const link = entry.channel.link;
    link.drop(new RepodError("TIMEOUT", `nothing heard from the client for ${this.settings.timeoutMs} ms`, { remote: link.remote }));
  }

  /**
   * The channel is being closed on purpose. A client of ours is told (`_bye`)
   * so that it does not reconnect; one that has not yet said what it is is
   * given until its first frame (or {@link ADMIT_DEADLINE_MS}) — a Python
   * client must never get the goodbye, ours must.
   */
  /** @internal */
  closing(entry: Entry<C>, end: () => void): boolean {
    if (entry.phase === "live") {
      entry.channel.link.sendControl(encodeFrame({ action: BYE }));
      return false;
    }
    if (entry.phase !== "undecided") return false;
    entry.end = end;
    this.clock.clearTimeout(entry.timer);
    entry.timer = this.clock.setTimeout(() => this.finishClose(entry, false), ADMIT_DEADLINE_MS);
    return true;
  }

  private finishClose(entry: Entry<C>, ours: boolean): void {
    const end = entry.end;
    entry.end = undefined;
    this.clock.clearTimeout(entry.timer);
    if (ours) entry.channel.link.sendControl(encodeFrame({ action: BYE }));
    entry.bye = true; // a deliberate end: nothing to suspend
    end?.();
  }

  /** @internal */
  overflowed(entry: Entry<C>): void {
    if (entry.phase === "undecided") {
      this.forget(entry); // a Python client that does not talk: no use keeping anything
      entry.channel.link.log = null;
      // No longer a possible resume: admitted now (after the send that overflowed), its held frames leave.
      if (!entry.admitted) queueMicrotask(() => this.admit(entry));
      return;
    }
    // A suspended session that can no longer resume ends now; not in the middle of the send that overflowed it.
    if (entry.phase === "suspended") queueMicrotask(() => this.host.release(entry.channel));
  }

  /** `_resume {id, token, received, fingerprint}` as the first frame of connection `entry`. */
  private resume(entry: Entry<C>, message: Message & Record<string, unknown>): void {
    const link = entry.channel.link;
    const fail = (reason: string): void => {
      this.host.logger({ event: "resume-failed", id: String(message.id), remote: link.remote, message: reason });
      link.sendControl(encodeFrame({ action: RESUME_FAILED, reason }));
    };
    if (this.settings.resumeWindowMs === 0) return fail("this server does not resume sessions");
    if (entry.phase !== "undecided") return fail("this connection already has a session");
    const id = message.id;
    const target = typeof id === "string" ? this.byId.get(id) : undefined;
    if (target === undefined || target === entry)
      return fail(`no session ${String(id)} is waiting here: it ended, its resume window passed, or the server restarted`);
    // Both comparisons run, whatever the first one gives.
    const isCurrent = sameToken(message.token, this.mint.token(target.channel.id, target.generation));
    const isPrevious = sameToken(message.token, target.previous < 0 ? null : this.mint.token(target.channel.id, target.previous));
    if (!isCurrent && !isPrevious) return fail(`the token is not session ${target.channel.id}'s (wrong, or already used)`);
    const theirs = typeof message.fingerprint === "string" ? message.fingerprint : undefined;
    const opened = this.host.fingerprintOf(target.channel);
    if (theirs !== opened) {
      return fail(`the session was opened for protocol fingerprint ${opened ?? "(none)"}, the client speaks ${theirs ?? "(none)"}`);
    }
    const received = countOf(message.received);
    const frames = received === undefined ? "it sent no count of received frames" : target.session.framesAfter(received);
    if (typeof frames === "string") {
      fail(`session ${target.channel.id} cannot resume: ${frames}`);
      if (target.phase === "suspended") this.host.release(target.channel);
      return;
    }

    // The new connection leaves its provisional channel for the session's own.
    entry.end = undefined; // a close of the provisional channel must not end the connection now resumed
    const transport = link.detach()!;
    this.forget(entry);
    link.log = null;
    link.release(); // what the provisional channel was sent while pending: the session was sent the same
    if (entry.admitted) this.host.release(entry.channel);
    else this.host.dropped(entry.channel);

    const channel = target.channel;
    if (target.phase !== "suspended") {
      // The server had not noticed the old connection die: the client did, and came back.
      const old = channel.link.detach();
      old?.bind(DETACHED);
      old?.destroy();
      this.clock.clearTimeout(target.timer);
      if (target.admitted) this.host.suspended(channel);
    } else {
      this.clock.clearTimeout(target.timer);
      this.suspendedCount--;
    }
    if (isCurrent) target.previous = target.generation;
    target.generation++;
    target.phase = "live";
    target.confirmed = true;
    target.bye = false;
    channel.link.attach(transport, true);
    channel.link.release(); // what was sent while away is among the retained frames
    channel.link.sendControl(encodeFrame({ action: RESUMED, received: target.session.receivedCount, token: this.mint.token(channel.id, target.generation) }));
    for (const frame of frames) channel.link.write(frame);
    this.watch(target);
    this.host.logger({ event: "resume", id: channel.id, remote: channel.link.remote, resent: frames.length });
    // A session whose `_hello` was lost may not have been admitted yet: it is now, as a connect.
    if (target.admitted) this.host.resumed(channel);
    else this.admit(target);
  }

  private forget(entry: Entry<C>): void {
    entry.known = false;
    if (this.byId.get(entry.channel.id) === entry) this.byId.delete(entry.channel.id);
    this.clock.clearTimeout(entry.timer);
    this.clock.clearTimeout(entry.admitTimer);
    this.heartbeat?.delete(entry);
    if (entry.phase === "suspended") this.suspendedCount--;
    if (entry.phase === "undecided" && entry.channel.link.log === entry.session) entry.channel.link.log = null;
    entry.phase = "undecided";
  }
}
