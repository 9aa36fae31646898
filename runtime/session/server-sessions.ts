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
import type { Arrival, SessionStore } from "../adapter/adapter.ts";
import { ADMIT_DEADLINE_MS, RECOVERED_TOKEN_GENERATIONS, UNHEARD_RESUME_WINDOW_MS } from "../constants.ts";
import { RepodError } from "../errors.ts";
import type { Endpoint } from "../host.ts";
import type { Logger } from "../logging.ts";
import type { Message } from "../protocol.ts";
import type { Transport, TransportEvents } from "../transport/transport.ts";
import { encodeFrame } from "../wire/codec.ts";
import { type Clock, systemClock, type TimerHandle, unref } from "./clock.ts";
import { BYE, countOf, FEATURE_HEARTBEAT, FEATURE_RESUME, HEARTBEAT, HELLO, isBreak, MOVED, RESUME, RESUME_FAILED, RESUMED } from "./control.ts";
import { type Beating, Heartbeat } from "./heartbeat.ts";
import { type SessionEvents, SessionLog, SUBCLASS_FLAG } from "./session.ts";
import { decodeSnapshot, encodeSnapshot, type SessionSnapshot } from "./snapshot.ts";
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
  /**
   * Cluster sessions: true when a client of protocol version `fingerprint`
   * can be judged here only with its schema, which this server has not
   * seen yet (then `learnSchema` is given the one the cluster keeps).
   */
  needsSchema?(fingerprint: string): boolean;
  learnSchema?(fingerprint: string, schema: Uint8Array | null): void;
  /** Cluster sessions: a reason a session saved by another server cannot go on here (its `Session` state does not fit), or undefined. */
  checkArrival?(snapshot: SessionSnapshot): string | undefined;
  /** Cluster sessions: makes the channel of a session saved by another server (not yet one of this server's). */
  restore?(snapshot: SessionSnapshot): C | string;
  /** Cluster sessions: the restored channel becomes one of this server's, with its groups and presence (no hook). */
  arrived?(channel: C, snapshot: SessionSnapshot): void;
  /** Cluster sessions: the channel was handed over: it leaves this server's channels (no hook). */
  departed?(channel: C): void;
}

const ADMITTED = SUBCLASS_FLAG;
const CONFIRMED = SUBCLASS_FLAG << 1;
const SAID_BYE = SUBCLASS_FLAG << 2;
/** Two bits for the phase: 0 undecided, 1 live, 2 suspended. */
const PHASE_SHIFT = 5;
const PHASE = 3 << PHASE_SHIFT;
const PHASES = ["undecided", "live", "suspended"] as const;
type Phase = (typeof PHASES)[number];
const REPLAYING = 1 << 7;
const LOCAL_KEY = 1 << 8;

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
    this.flags |= ADMITTED;
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

  /** Cluster sessions: the client resends frames this server already applied (see `ServerSessions.replaying`). */
  get replaying(): boolean {
    return (this.flags & REPLAYING) !== 0;
  }
  set replaying(value: boolean) {
    this.flags = value ? this.flags | REPLAYING : this.flags & ~REPLAYING;
  }

  /** Cluster sessions: its token was made with this server's own key (the cluster's was not known yet): it is not saved in the cluster until a resume gives it a cluster token. */
  get localKey(): boolean {
    return (this.flags & LOCAL_KEY) !== 0;
  }
  set localKey(value: boolean) {
    this.flags = value ? this.flags | LOCAL_KEY : this.flags & ~LOCAL_KEY;
  }

  override received(bytes: number): boolean {
    super.received(bytes);
    return (this.flags & REPLAYING) !== 0 && this.sessions.replayed(this);
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
  private readonly entries = new Map<C, Entry<C>>();
  /** Sessions that can be resumed (live or suspended), by channel id. */
  private readonly byId = new Map<string, Entry<C>>();
  private readonly heartbeat: Heartbeat | null;
  private mint = new TokenMint();
  /** Cluster sessions: this server's own mint, kept once the cluster's key arrived late, for the sessions made before (see `keyed`). */
  private localMint: TokenMint | null = null;
  private suspendedCount = 0;
  /** Where sessions go when this server stops, and come from when a client resumes one it does not hold (cluster sessions). */
  private store: SessionStore | null = null;
  /**
   * Cluster sessions: of each session, the received count of its last
   * checkpoint — what the heartbeat acknowledges, so that our client keeps
   * every frame the cluster could not give back after a crash.
   */
  private durable: Map<Entry<C>, number> | null = null;
  /**
   * Cluster sessions: sessions that resumed here while this server had
   * applied more of their client's frames than its last checkpoint holds.
   * The resume acknowledged only the checkpoint's count, so the client
   * resends from there; the frames up to this count were applied already:
   * they are counted, not dispatched again.
   */
  private readonly replaying = new Map<Entry<C>, number>();
  /** What each session's counts were at its last checkpoint ("received/sent/acked"). */
  private readonly saved = new Map<Entry<C>, string>();
  /** Checkpointed sessions that ended: their checkpoints go at the next write. */
  private ended: string[] = [];
  private checkpointTimer: TimerHandle | undefined;
  private checkpointing = false;

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

  /** False when both heartbeat and resume are off: the server behaves exactly as repod's. */
  get enabled(): boolean {
    return this.features.length > 0;
  }

  /** Cluster sessions: sessions are kept in `store` too, and tokens are made with the cluster's key. */
  useStore(store: SessionStore): void {
    if (this.settings.resumeWindowMs === 0) return;
    this.store = store;
    if (store.tokenKey.length > 0) this.mint = new TokenMint(store.tokenKey);
    else store.onKey = () => this.keyed(store);
    this.durable = new Map();
    this.scheduleCheckpoint();
  }

  /**
   * The cluster's token key was read late (Redis was down when this server
   * started): new sessions get cluster tokens from now on. The sessions made
   * before keep their local tokens, so no other server could check them:
   * they are not checkpointed nor handed over (a stop ends them as any
   * stop) until their next resume here gives them a cluster token.
   */
  private keyed(store: SessionStore): void {
    if (this.localMint !== null || store.tokenKey.length === 0) return;
    this.localMint = this.mint;
    this.mint = new TokenMint(store.tokenKey);
    for (const entry of this.entries.values()) entry.localKey = true;
    this.host.logger({ event: "sessions-keyed", local: this.entries.size });
  }

  private scheduleCheckpoint(): void {
    const everyMs = this.store?.checkpointMs ?? (this.settings.heartbeatIntervalMs || 2500);
    this.checkpointTimer = this.clock.setTimeout(() => {
      this.checkpointTimer = undefined;
      void this.checkpoint().finally(() => {
        if (this.store !== null && this.durable !== null) this.scheduleCheckpoint();
      });
    }, everyMs);
    unref(this.checkpointTimer);
  }

  /** Saves, in one write, every session that changed since its last checkpoint. */
  private async checkpoint(): Promise<void> {
    const store = this.store;
    if (store === null || this.checkpointing || !this.host.isRunning) return;
    const saves: Array<[string, Uint8Array]> = [];
    const counts: Array<[Entry<C>, number, string]> = [];
    // A session that did not change is saved again every half resume window, before its record expires.
    const epoch = Math.floor(this.clock.now() / Math.max(1, this.settings.resumeWindowMs / 2));
    for (const entry of this.entries.values()) {
      if (entry.phase === "undecided" || !entry.admitted || !entry.confirmed || entry.bye || !entry.resumable) continue;
      // Replaying: its state is ahead of its count until the resent frames are in (the last checkpoint stands).
      // A local token: no other server could check it (see `keyed`).
      if (entry.replaying || entry.localKey) continue;
      const mark = `${epoch}/${entry.receivedCount}/${entry.sentCount}/${entry.acked}`;
      if (this.saved.get(entry) === mark) continue;
      const bytes = this.snapshotOf(entry);
      if (bytes === null) continue;
      saves.push([entry.channel.id, bytes]);
      counts.push([entry, entry.receivedCount, mark]);
    }
    const ended = this.ended;
    this.ended = [];
    if (saves.length + ended.length === 0) return;
    this.checkpointing = true;
    try {
      if (!(await store.checkpoint(saves, ended, this.settings.resumeWindowMs))) return; // tried again next time
      for (const [entry, received, mark] of counts) {
        if (this.entries.get(entry.channel) !== entry) continue;
        this.saved.set(entry, mark);
        this.durable?.set(entry, received);
      }
    } finally {
      this.checkpointing = false;
    }
  }

  /** True when the channel's peer is one of our clients (it said `_hello`, or resumed): it reads control frames. */
  isOurs(channel: C): boolean {
    return this.entries.get(channel)?.confirmed ?? false;
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
    this.entries.set(channel, entry);
    if (resume) this.byId.set(channel.id, entry);
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
    // With cluster sessions any connection may be a client of another server's session coming back.
    const wait = decide || (resume && (this.store !== null || this.suspendedCount > 0 || (this.heartbeat?.silent ?? 0) > 0));
    if (wait) {
      entry.admitted = false;
      entry.admitTimer = this.clock.setTimeout(() => this.admit(entry), ADMIT_DEADLINE_MS);
    }
    return wait;
  }

  /** A control frame from a channel's peer. Returns false for one that is not a session's. */
  control(channel: C, message: Message & Record<string, unknown>): boolean {
    const entry = this.entries.get(channel);
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
    const entry = this.entries.get(channel);
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
    const entry = this.entries.get(channel);
    if (entry !== undefined) this.forget(entry);
  }

  /**
   * The server is stopping: ends suspended sessions (their clients are not
   * coming back to this server), lets go of channels not yet admitted (the
   * server ends their connections), stops the heartbeat.
   */
  stop(): void {
    this.heartbeat?.clear();
    this.clock.clearTimeout(this.checkpointTimer);
    this.durable = null;
    for (const entry of [...this.entries.values()]) {
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
    // With cluster sessions, only what a checkpoint holds is acknowledged: the client keeps the rest, for a crash.
    const received = this.durable === null || entry.localKey ? session.receivedCount : (this.durable.get(entry) ?? 0);
    link.sendControl(encodeFrame(probe === undefined ? { action: HEARTBEAT, received } : { action: HEARTBEAT, received, ping: probe }));
    link.transport?.ping?.(); // WebSocket: the protocol's own ping; its pong counts as heard
    session.ackSent();
  }

  /** A frame arrived while `entry` replays: true when it is one the server applied already (counted, not dispatched). @internal */
  replayed(entry: Entry<C>): boolean {
    const until = this.replaying.get(entry);
    const count = entry.receivedCount;
    if (until === undefined || count >= until) {
      entry.replaying = false;
      this.replaying.delete(entry);
    }
    return until !== undefined && count <= until;
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
    if (target === undefined && this.store !== null && typeof id === "string") return void this.pull(entry, id, message);
    if (target === undefined || target === entry)
      return fail(`no session ${String(id)} is waiting here: it ended, its resume window passed, or the server restarted`);
    // Both comparisons run, whatever the first one gives.
    const mint = target.localKey && this.localMint !== null ? this.localMint : this.mint;
    const isCurrent = sameToken(message.token, mint.token(target.channel.id, target.generation));
    const isPrevious = sameToken(message.token, target.previous < 0 ? null : mint.token(target.channel.id, target.previous));
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
    this.resumeOn(entry, target, frames, isCurrent);
  }

  /** The session of `target` goes on over the connection of `entry` (its provisional channel is let go), resending `frames`. */
  private resumeOn(entry: Entry<C>, target: Entry<C>, frames: Uint8Array[], isCurrent: boolean): void {
    const link = entry.channel.link;
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
    // With cluster sessions, a resume acknowledges, as the heartbeat, only what a checkpoint holds: the client resends
    // the rest (it must keep it for a crash of this server), and what of it was applied here already is skipped.
    // (A session with a local token acknowledged its live count: it is re-keyed now, and saved from its next checkpoint.)
    const durable = target.localKey ? undefined : (this.durable?.get(target) ?? (this.durable === null ? undefined : 0));
    if (target.localKey) {
      target.localKey = false;
      target.previous = -1; // its previous token was a local one
    }
    if (durable !== undefined && durable < target.receivedCount) {
      this.replaying.set(target, Math.max(target.receivedCount, this.replaying.get(target) ?? 0));
      target.replaying = true;
      target.receivedCount = durable;
    }
    channel.link.sendControl(encodeFrame({ action: RESUMED, received: target.session.receivedCount, token: this.mint.token(channel.id, target.generation) }));
    for (const frame of frames) channel.link.write(frame);
    this.watch(target);
    this.host.logger({ event: "resume", id: channel.id, remote: channel.link.remote, resent: frames.length });
    // A session whose `_hello` was lost may not have been admitted yet: it is now, as a connect.
    if (target.admitted) this.host.resumed(channel);
    else this.admit(target);
  }

  // ---- cluster sessions (see adapter/redis-sessions.ts) ------------------------------------

  /**
   * `_resume` of a session this server does not hold: take it from the
   * cluster, where the server it left put it, and resume it here. Until the
   * answer the connection stays undecided (not admitted: nothing of it
   * reaches the game).
   */
  private async pull(entry: Entry<C>, id: string, message: Message & Record<string, unknown>): Promise<void> {
    const store = this.store!;
    const channel = entry.channel;
    const link = channel.link;
    this.clock.clearTimeout(entry.admitTimer);
    entry.admitTimer = undefined;
    let snapshot: SessionSnapshot | undefined;
    let isCurrent = false;
    let generation = 0;
    const check = (bytes: Uint8Array, recovered: boolean): string | undefined => {
      const read = decodeSnapshot(bytes);
      if (typeof read === "string") return `the session saved in the cluster cannot be read: ${read}`;
      generation = read.generation;
      isCurrent = sameToken(message.token, this.mint.token(read.id, read.generation));
      // After a crash, the client may hold a later token: it resumed on the dead server after its last checkpoint.
      for (let later = 1; recovered && !isCurrent && later <= RECOVERED_TOKEN_GENERATIONS; later++) {
        isCurrent = sameToken(message.token, this.mint.token(read.id, read.generation + later));
        if (isCurrent) generation = read.generation + later;
      }
      const isPrevious = read.previous !== undefined && sameToken(message.token, this.mint.token(read.id, read.previous));
      if (!isCurrent && !isPrevious) return `the token is not session ${read.id}'s (wrong, or already used)`;
      const theirs = typeof message.fingerprint === "string" ? message.fingerprint : undefined;
      const opened = read.fingerprint ?? this.host.fingerprintOf(channel);
      if (theirs !== opened) return `the session was opened for protocol fingerprint ${opened ?? "(none)"}, the client speaks ${theirs ?? "(none)"}`;
      const received = countOf(message.received);
      if (received === undefined) return "it sent no count of received frames";
      // After a crash the client may have had more than the last checkpoint knew of: those were sent, and are not sent again.
      if (received > read.sent && !recovered) return `it claims ${received} frames, only ${read.sent} were sent`;
      if (received < read.acked) return `it claims ${received} frames after acknowledging ${read.acked}`;
      const unfit = this.host.checkArrival?.(read);
      if (unfit !== undefined) return unfit;
      snapshot = read;
      return undefined;
    };
    let result: Arrival | string;
    try {
      // A client of another version than this server's: its schema says what it can read (one read per version).
      const theirs = message.fingerprint;
      if (typeof theirs === "string" && store.schemaOf !== undefined && this.host.needsSchema?.(theirs)) {
        this.host.learnSchema!(theirs, await store.schemaOf(theirs));
      }
      result = await store.claim(id, check);
    } catch (error) {
      result = `the cluster could not be asked: ${(error as Error).message}`;
    }
    const gone = link.transport === null || entry.phase !== "undecided" || this.entries.get(channel) !== entry || !this.host.isRunning;
    if (typeof result === "string") {
      if (gone) return;
      if (result === "elsewhere") {
        // This server cannot have all that was sent to the session: the client tries again (another server).
        this.host.logger({ event: "resume-elsewhere", id, remote: link.remote });
        const transport = link.transport!;
        this.forget(entry);
        this.host.dropped(channel);
        link.sendControl(encodeFrame({ action: MOVED }));
        transport.end();
        return;
      }
      this.host.logger({ event: "resume-failed", id, remote: link.remote, message: result });
      link.sendControl(encodeFrame({ action: RESUME_FAILED, reason: result }));
      if (!entry.admitted) this.admit(entry); // a fresh session: its `_hello` follows
      return;
    }
    const arrival = result;
    const saved = snapshot!;
    const made = this.host.isRunning ? this.host.restore!(saved) : "this server is stopping";
    if (typeof made === "string") {
      arrival.abandon();
      if (gone) return;
      this.host.logger({ event: "resume-failed", id, remote: link.remote, message: made });
      link.sendControl(encodeFrame({ action: RESUME_FAILED, reason: made }));
      if (!entry.admitted) this.admit(entry);
      return;
    }
    const target = new Entry(this, made);
    const clientReceived = countOf(message.received)!;
    if (arrival.recovered && clientReceived > saved.sent) target.restore(saved.received, clientReceived, clientReceived, []);
    else target.restore(saved.received, saved.sent, saved.acked, saved.frames);
    this.durable?.set(target, saved.received); // it is in the cluster already
    target.generation = generation;
    target.previous = generation === saved.generation ? (saved.previous ?? -1) : -1;
    target.phase = "suspended";
    target.confirmed = true;
    this.suspendedCount++;
    this.entries.set(made, target);
    this.byId.set(made.id, target);
    made.link.log = target;
    // One moment: the channel becomes one of this server's, and what was sent to it since it left follows its own frames.
    this.host.arrived!(made, saved);
    const unread = made.peerUnread;
    for (const { frame, delivery } of arrival.take()) {
      if (unread !== null && delivery.action !== undefined && unread.has(delivery.action)) continue;
      target.sent(frame);
    }
    arrival.settled();
    if (gone) {
      // The client gave up waiting: the session waits here, suspended, for its next attempt (the cluster sends it here).
      this.host.logger({ event: "session-arrived", id, held: target.sentCount - saved.sent });
      target.timer = this.clock.setTimeout(() => this.expire(target), this.settings.resumeWindowMs);
      return;
    }
    const frames = target.framesAfter(countOf(message.received)!);
    if (typeof frames === "string") {
      this.host.logger({ event: "resume-failed", id, remote: link.remote, message: frames });
      link.sendControl(encodeFrame({ action: RESUME_FAILED, reason: `session ${id} cannot resume: ${frames}` }));
      this.host.release(made);
      if (!entry.admitted) this.admit(entry);
      return;
    }
    this.host.logger({ event: arrival.recovered ? "session-recovered" : "session-arrived", id, held: target.sentCount - saved.sent, received: saved.received });
    this.resumeOn(entry, target, frames, isCurrent);
  }

  /**
   * The server stops (cluster sessions): hands every session of our clients
   * that can resume to the cluster, then tells each live client to
   * reconnect (`_moved`) and closes its connection. Sessions that cannot be
   * handed over are left to the usual stop.
   */
  async handOver(): Promise<void> {
    const store = this.store;
    if (store === null) return;
    this.clock.clearTimeout(this.checkpointTimer);
    this.durable = null;
    const leaving = new Map<string, { entry: Entry<C>; transport: Transport | null }>();
    for (const entry of this.entries.values()) {
      const link = entry.channel.link;
      if (entry.phase === "undecided" || !entry.admitted || !entry.confirmed || entry.bye || !entry.resumable || link.isClosing) continue;
      if (entry.localKey) continue; // no other server could check its token: it ends as in any stop
      this.heartbeat?.delete(entry);
      this.clock.clearTimeout(entry.timer);
      let transport: Transport | null = null;
      if (entry.phase === "live") {
        // Nothing more is read from the client: what it sends now it still keeps, and resends where it resumes.
        transport = link.detach();
        transport?.bind(DETACHED);
      }
      leaving.set(entry.channel.id, { entry, transport });
    }
    const departed = new Set<string>();
    const departures = [...leaving.values()].map(({ entry }) => ({ id: entry.channel.id, groups: [...entry.channel.groups] }));
    try {
      await store.depart(
        departures,
        (id) => {
          const { entry } = leaving.get(id)!;
          const bytes = this.snapshotOf(entry);
          if (bytes === null) return null;
          departed.add(id);
          this.saved.delete(entry); // its record is the handover now: not a checkpoint to erase
          this.forget(entry);
          this.host.departed!(entry.channel);
          return bytes;
        },
        this.settings.resumeWindowMs,
      );
    } catch (error) {
      this.host.logger({ event: "error", code: "ADAPTER_FAILED", message: `sessions could not be handed over: ${(error as Error).message}` });
    }
    for (const [id, { entry, transport }] of leaving) {
      if (departed.has(id)) {
        if (transport !== null) {
          const to = transport.kind === "websocket" ? store.advertise?.websocket : store.advertise?.tcp;
          transport.write(encodeFrame(to === undefined ? { action: MOVED } : { action: MOVED, to }));
          transport.end();
        }
        continue;
      }
      // Not handed over (Redis failed): the connection ends as in any stop; the client will start afresh.
      transport?.destroy();
      if (this.entries.get(entry.channel) === entry) this.host.release(entry.channel);
    }
    this.host.logger({ event: "handover", sessions: departed.size, kept: leaving.size - departed.size });
  }

  /** The session of `entry` as another server will go on with it; null when it cannot be encoded (reported). */
  private snapshotOf(entry: Entry<C>): Uint8Array | null {
    const channel = entry.channel as C & { user?: unknown; session?: unknown; presence?: unknown };
    try {
      return encodeSnapshot({
        id: channel.id,
        generation: entry.generation,
        ...(entry.previous >= 0 ? { previous: entry.previous } : {}),
        // A session that replays has applied up to the count it replays to: its state holds those.
        received: Math.max(entry.receivedCount, this.replaying.get(entry) ?? 0),
        sent: entry.sentCount,
        acked: entry.acked,
        frames: entry.unacknowledged(),
        groups: [...channel.groups],
        presence: channel.presence,
        user: channel.user,
        state: channel.session,
        // The version the client speaks, even when it is this server's: the server that takes it may run another.
        fingerprint: this.host.fingerprintOf(entry.channel),
        unread: channel.peerUnread === null ? undefined : [...channel.peerUnread],
      });
    } catch (error) {
      channel.report(new RepodError("ENCODE_FAILED", `session ${channel.id} cannot move: ${(error as Error).message}`));
      return null;
    }
  }

  private forget(entry: Entry<C>): void {
    if (this.saved.delete(entry)) this.ended.push(entry.channel.id);
    this.durable?.delete(entry);
    if (entry.replaying) {
      entry.replaying = false;
      this.replaying.delete(entry);
    }
    if (this.entries.get(entry.channel) === entry) this.entries.delete(entry.channel);
    if (this.byId.get(entry.channel.id) === entry) this.byId.delete(entry.channel.id);
    this.clock.clearTimeout(entry.timer);
    this.clock.clearTimeout(entry.admitTimer);
    this.heartbeat?.delete(entry);
    if (entry.phase === "suspended") this.suspendedCount--;
    if (entry.phase === "undecided" && entry.channel.link.log === entry.session) entry.channel.link.log = null;
    entry.phase = "undecided";
  }
}
