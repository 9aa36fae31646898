/**
 * A fleet of clients chatting in rooms, counting what a deploy or a crash
 * did to their lines, each direction apart.
 *
 * Every client says numbered lines (`seq` 0, 1, 2… per client); the server
 * applies each (counting them per session: `count`, the line included) and
 * sends `line {from, seq, count}` to the sender's room, the sender included.
 * From what all the clients received the fleet tells:
 *
 * - **toServer** (client → server): a line nobody ever received was lost on
 *   the way up; the same `seq` applied under two different `count`s was
 *   applied twice; lines applied in an order (by `count`) other than their
 *   `seq` order were applied out of order.
 * - **toClient** (server → client): for each receiver and each member of its
 *   room, a line the server sent (some client received it) that this one
 *   never did is lost; the same line (`seq` and `count`) received again is a
 *   duplicate; a line received after one the server applied later is out of
 *   order.
 *
 * A server that resends a line after restoring a session keeps its `count`,
 * so a repeat seen by others counts as a toClient duplicate, not as the
 * line being applied twice.
 *
 * The fleet drives its clients through a small interface, {@link FleetPeer},
 * so any listener can take part: {@link chatPeer} is an untyped one for any
 * server speaking `join {room}` / `line {seq, text}`; a generated listener
 * needs a few lines (see {@link FleetPeer}).
 *
 * Rooms fill in order of the clients' index (`room-0` holds clients
 * 0..roomSize-1, …). `startFleet` connects everyone and warms up: rounds of
 * lines until each client has received a line from every member of its
 * room, so that every client is known to be in its room; lines from then on
 * are the measured ones.
 *
 * ```ts
 * const fleet = await startFleet({ clients: 200, roomSize: 10, peer: chatPeer({ port: lb.port }) });
 * fleet.startTraffic();
 * await servers[0].stop();
 * await fleet.waitFor(() => fleet.resumedCount() === 200, "every client resumed");
 * fleet.stopTraffic();
 * expect(await fleet.settle()).toBe(true);
 * expect(fleet.report()).toMatchObject({ lost: { toServer: 0, toClient: 0 }, duplicated: { toServer: 0, toClient: 0 } });
 * await fleet.close();
 * ```
 */
import { type AnyMessage, type ClientOptions, type ConnectedEvent, ConnectionListener, type ErrorEvent } from "../../runtime/index.ts";
import { PATIENCE_MS, waitFor } from "../helpers/wait.ts";

export type Direction = "toServer" | "toClient";
export type PerDirection = Record<Direction, number>;

/** One line as a client received it. */
export interface FleetLine {
  /** The sender's channel id. */
  from: string;
  /** The sender's sequence number. */
  seq: number;
  /** How many lines the server had applied from this sender's session, this one included. */
  count: number;
}

/** What a peer reports to the fleet, from its listener's events. */
export interface FleetHooks {
  /** `Network_connected`: the greeting (channel `id`; `resumed: false` after RESUME_FAILED). The peer joins its room here. */
  connected(event: { id?: string; resumed?: false }): void;
  /** `Network_reconnecting`. */
  reconnecting(): void;
  /** `Network_reconnected`: the session resumed. */
  reconnected(): void;
  /** `Network_error`. */
  error(event: { code: string }): void;
  /** `Network_disconnected`. */
  disconnected(): void;
  /** A `line` from the server. */
  line(line: FleetLine): void;
}

/** Where a peer stands in the fleet. */
export interface FleetPeerContext {
  readonly index: number;
  /** The room to join at every `connected`. */
  readonly room: string;
  readonly hooks: FleetHooks;
}

/**
 * One client of the fleet. From a generated listener:
 *
 * ```ts
 * class Player extends GeneratedListener implements FleetPeer {
 *   constructor(private readonly ctx: FleetPeerContext) { super(); }
 *   start() { return this.connect("127.0.0.1", port); }
 *   say(seq: number) { this.send({ action: "line", seq, text: "hi" }); }
 *   Network_connected(e: ConnectedEvent) { this.ctx.hooks.connected(e); this.send({ action: "join", room: this.ctx.room }); }
 *   Network_reconnecting() { this.ctx.hooks.reconnecting(); }
 *   Network_reconnected() { this.ctx.hooks.reconnected(); }
 *   Network_error(e: ErrorEvent) { this.ctx.hooks.error(e); }
 *   Network_disconnected() { this.ctx.hooks.disconnected(); }
 *   Network_line(d: { from: string; seq: number; count: number }) { this.ctx.hooks.line(d); }
 * }
 * startFleet({ clients: 200, peer: (ctx) => new Player(ctx) });
 * ```
 */
export interface FleetPeer {
  /** Connects; called once. */
  start(): Promise<void>;
  /** Sends line `seq`; may throw (e.g. CLOSED once the client gave up). */
  say(seq: number): void;
  /** Dispatches what arrived (ConnectionListener's `pump`). */
  pump(): number;
  close(): void;
}

export interface FleetOptions {
  /** How many clients. */
  clients: number;
  /** Clients per room. @default 10 */
  roomSize?: number;
  /** Makes client `index`'s peer. */
  peer: (context: FleetPeerContext) => FleetPeer;
  /** How often every client is pumped, in ms. @default 5 */
  pumpMs?: number;
  /** Bound of every wait of the fleet (connecting, warming up, settling). @default PATIENCE_MS (30000) */
  timeoutMs?: number;
}

/** Everything the fleet counted. */
export interface FleetReport {
  clients: number;
  /** Measured lines said (after the warm-up). */
  said: number;
  /** Measured lines received, every copy counted. */
  received: number;
  lost: PerDirection;
  duplicated: PerDirection;
  outOfOrder: PerDirection;
  /** Clients that resumed (`reconnected`) at least once. */
  resumed: number;
  /** `reconnected` events in all. */
  resumes: number;
  /** RESUME_FAILED errors: sessions that started over. */
  freshSessions: number;
  /** Clients that gave up (`disconnected`). */
  disconnected: number;
  /** Sends that threw. */
  sendFailures: number;
  /** Lines from a sender outside the receiver's room, or from an id no client had. */
  misdelivered: number;
  /** Error events by code. */
  errors: Record<string, number>;
}

/** A received copy: which sender session, seq, count. */
interface Seen {
  session: number;
  seq: number;
  count: number;
}

class Member {
  readonly sessions: string[] = [];
  nextSeq = 0;
  /** The first measured seq (set at the end of the warm-up). */
  measuredFrom = Number.POSITIVE_INFINITY;
  connected = false;
  broken = false;
  gone = false;
  resumes = 0;
  /** When each `reconnecting` and `reconnected` was pumped (performance.now()). */
  readonly breaks: number[] = [];
  readonly resumedAt: number[] = [];
  /** Everything received, by sender index, in order. */
  readonly seen = new Map<number, Seen[]>();
  /** Distinct measured seqs received, by sender index: for `settle`. */
  readonly measured = new Map<number, Set<number>>();
  peer!: FleetPeer;

  constructor(
    readonly index: number,
    readonly room: number,
  ) {}
}

export class Fleet {
  private readonly members: Member[];
  private readonly byId = new Map<string, { member: Member; session: number }>();
  private readonly roomSize: number;
  private readonly timeoutMs: number;
  private pumpTimer: NodeJS.Timeout | undefined;
  private trafficTimer: NodeJS.Timeout | undefined;
  private freshSessionCount = 0;
  private sendFailureCount = 0;
  private misdeliveredCount = 0;
  private readonly errorCounts: Record<string, number> = {};

  /** Use {@link startFleet}. */
  constructor(private readonly options: FleetOptions) {
    this.roomSize = options.roomSize ?? 10;
    this.timeoutMs = options.timeoutMs ?? PATIENCE_MS;
    this.members = Array.from({ length: options.clients }, (_, index) => new Member(index, Math.floor(index / this.roomSize)));
    for (const member of this.members) member.peer = options.peer({ index: member.index, room: `room-${member.room}`, hooks: this.hooksOf(member) });
  }

  private hooksOf(member: Member): FleetHooks {
    return {
      connected: (event) => {
        member.connected = true;
        member.broken = false;
        if (event.id !== undefined && !this.byId.has(event.id)) {
          this.byId.set(event.id, { member, session: member.sessions.length });
          member.sessions.push(event.id);
        }
      },
      reconnecting: () => {
        if (!member.broken && member.connected) member.breaks.push(performance.now());
        member.broken = true;
      },
      reconnected: () => {
        member.broken = false;
        member.resumes++;
        member.resumedAt.push(performance.now());
      },
      error: (event) => {
        this.errorCounts[event.code] = (this.errorCounts[event.code] ?? 0) + 1;
        if (event.code === "RESUME_FAILED") this.freshSessionCount++;
      },
      disconnected: () => {
        member.gone = true;
        member.connected = false;
      },
      line: (line) => this.received(member, line),
    };
  }

  private received(member: Member, line: FleetLine): void {
    const sender = this.byId.get(line.from);
    if (!sender || sender.member.room !== member.room) {
      this.misdeliveredCount++;
      return;
    }
    const from = sender.member.index;
    let seen = member.seen.get(from);
    if (!seen) member.seen.set(from, (seen = []));
    seen.push({ session: sender.session, seq: line.seq, count: line.count });
    if (line.seq >= sender.member.measuredFrom) {
      let measured = member.measured.get(from);
      if (!measured) member.measured.set(from, (measured = new Set()));
      measured.add(line.seq);
    }
  }

  /** Connects every client, waits for every greeting, then warms up (see the file's comment). */
  async start(): Promise<void> {
    await Promise.all(this.members.map((member) => member.peer.start()));
    this.pumpTimer = setInterval(() => this.pump(), this.options.pumpMs ?? 5);
    await this.waitFor(() => this.members.every((m) => m.connected), "every client of the fleet to be greeted");
    // Warm-up: a round, then wait until each client has its own line back (so its join was applied first);
    // again until every client has a line from every member of its room. At most 20 rounds.
    for (let round = 0; ; round++) {
      const marks = this.members.map((m) => m.nextSeq);
      this.sendRound();
      await this.waitFor(
        () => this.members.every((m, i) => m.seen.get(i)?.some((s) => s.seq >= marks[i]!) ?? false),
        "each client's warm-up line to come back to it",
      );
      if (this.members.every((m) => this.roommates(m).every((r) => m.seen.has(r.index)))) break;
      if (round >= 20) throw new Error("after 20 warm-up rounds some clients still hear nobody from their room");
    }
    for (const member of this.members) member.measuredFrom = member.nextSeq;
  }

  private roommates(member: Member): Member[] {
    const first = member.room * this.roomSize;
    return this.members.slice(first, first + this.roomSize);
  }

  private pump(): void {
    for (const member of this.members) member.peer.pump();
  }

  /** Every client says one line now. */
  sendRound(): void {
    for (const member of this.members) this.say(member);
  }

  private say(member: Member): void {
    if (member.gone) return;
    try {
      member.peer.say(member.nextSeq);
      member.nextSeq++;
    } catch {
      this.sendFailureCount++;
    }
  }

  /** Starts saying a round every `intervalMs` (default 100), for at most `maxRounds` rounds (default 10000), until `stopTraffic()`. */
  startTraffic(intervalMs = 100, maxRounds = 10_000): void {
    this.stopTraffic();
    let rounds = 0;
    this.trafficTimer = setInterval(() => {
      if (++rounds > maxRounds) return this.stopTraffic();
      this.sendRound();
    }, intervalMs);
  }

  stopTraffic(): void {
    clearInterval(this.trafficTimer);
    this.trafficTimer = undefined;
  }

  /** Waits until `check()` holds (polled), at most the fleet's `timeoutMs`; throws naming `what`. */
  waitFor(check: () => boolean, what: string, timeoutMs = this.timeoutMs): Promise<void> {
    return waitFor(check, `${what} (${this.summary()})`, timeoutMs);
  }

  /**
   * Stops the traffic and waits until every client has received every
   * measured line of every member of its room and is connected. Resolves
   * true then, or false after `timeoutMs` (a line was lost): the report
   * says what is missing.
   */
  async settle(timeoutMs = this.timeoutMs): Promise<boolean> {
    this.stopTraffic();
    try {
      await waitFor(() => this.complete(), "the fleet to settle", timeoutMs);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Stops the traffic and waits until every client has received the last
   * line of every member of its room (earlier ones may be missing): enough
   * to settle a test that loses lines on purpose over one ordered path.
   */
  async settleLast(timeoutMs = this.timeoutMs): Promise<void> {
    this.stopTraffic();
    await this.waitFor(
      () =>
        this.members.every((m) =>
          this.roommates(m).every((r) => r.nextSeq <= r.measuredFrom || (m.seen.get(r.index)?.some((s) => s.seq === r.nextSeq - 1) ?? false)),
        ),
      "every client to receive its room's last lines",
      timeoutMs,
    );
  }

  private complete(): boolean {
    return this.members.every(
      (m) => m.gone || (m.connected && !m.broken && this.roommates(m).every((r) => (m.measured.get(r.index)?.size ?? 0) >= r.nextSeq - r.measuredFrom)),
    );
  }

  /** Lines lost, per direction (see the file's comment). */
  lost(): PerDirection {
    return this.report().lost;
  }

  duplicated(): PerDirection {
    return this.report().duplicated;
  }

  outOfOrder(): PerDirection {
    return this.report().outOfOrder;
  }

  /** Clients that resumed at least once. */
  resumedCount(): number {
    return this.members.filter((m) => m.resumes > 0).length;
  }

  /** RESUME_FAILED errors seen: sessions that started over. */
  freshSessions(): number {
    return this.freshSessionCount;
  }

  /** Clients greeted and not broken now. */
  connectedCount(): number {
    return this.members.filter((m) => m.connected && !m.broken).length;
  }

  /** The sequence number client `index` says next. */
  nextSeq(index: number): number {
    return this.members[index]!.nextSeq;
  }

  /** Measured lines said so far. */
  said(): number {
    return this.members.reduce((n, m) => n + Math.max(0, m.nextSeq - m.measuredFrom), 0);
  }

  /**
   * For each client whose connection broke at or after `since`
   * (performance.now()), the ms from `since` to its first resume after the
   * break (as pumped: up to one `pumpMs` late). Clients not resumed yet are
   * left out.
   */
  resumeTimes(since: number): number[] {
    const times: number[] = [];
    for (const member of this.members) {
      const broke = member.breaks.find((t) => t >= since);
      if (broke === undefined) continue;
      const resumed = member.resumedAt.find((t) => t >= broke);
      if (resumed !== undefined) times.push(resumed - since);
    }
    return times;
  }

  /** Everything counted so far, computed from what was received. */
  report(): FleetReport {
    const lost: PerDirection = { toServer: 0, toClient: 0 };
    const duplicated: PerDirection = { toServer: 0, toClient: 0 };
    const outOfOrder: PerDirection = { toServer: 0, toClient: 0 };
    let received = 0;
    const key = (s: Seen): string => `${s.session}/${s.seq}/${s.count}`;
    for (const sender of this.members) {
      // What the server applied of this sender's measured lines: every distinct (session, seq, count) anyone received.
      const applied = new Map<string, Seen>();
      for (const receiver of this.roommates(sender))
        for (const s of receiver.seen.get(sender.index) ?? []) if (s.seq >= sender.measuredFrom) applied.set(key(s), s);
      const appliedSeqs = new Set([...applied.values()].map((s) => s.seq));
      for (let seq = sender.measuredFrom; seq < sender.nextSeq; seq++) if (!appliedSeqs.has(seq)) lost.toServer++;
      duplicated.toServer += applied.size - appliedSeqs.size;
      const inServerOrder = [...applied.values()].sort((a, b) => a.session - b.session || a.count - b.count);
      for (let i = 1; i < inServerOrder.length; i++) if (inServerOrder[i]!.seq < inServerOrder[i - 1]!.seq) outOfOrder.toServer++;

      for (const receiver of this.roommates(sender)) {
        const got = new Set<string>();
        let latest: Seen | undefined;
        for (const s of receiver.seen.get(sender.index) ?? []) {
          if (s.seq < sender.measuredFrom) continue;
          received++;
          const k = key(s);
          if (got.has(k)) {
            duplicated.toClient++;
            continue;
          }
          got.add(k);
          if (latest && (s.session < latest.session || (s.session === latest.session && s.count < latest.count))) outOfOrder.toClient++;
          else latest = s;
        }
        for (const k of applied.keys()) if (!got.has(k)) lost.toClient++;
      }
    }
    return {
      clients: this.members.length,
      said: this.said(),
      received,
      lost,
      duplicated,
      outOfOrder,
      resumed: this.resumedCount(),
      resumes: this.members.reduce((n, m) => n + m.resumes, 0),
      freshSessions: this.freshSessionCount,
      disconnected: this.members.filter((m) => m.gone).length,
      sendFailures: this.sendFailureCount,
      misdelivered: this.misdeliveredCount,
      errors: { ...this.errorCounts },
    };
  }

  /** One line for failure messages. */
  summary(): string {
    const connected = this.connectedCount();
    const resumed = this.resumedCount();
    return `${connected}/${this.members.length} connected, ${resumed} resumed, ${this.freshSessionCount} fresh sessions, errors ${JSON.stringify(this.errorCounts)}`;
  }

  /** Stops the traffic and the pumping and closes every client. */
  async close(): Promise<void> {
    this.stopTraffic();
    for (const member of this.members) member.peer.close();
    // One more pump delivers the closes' own events; then the timer goes.
    this.pump();
    clearInterval(this.pumpTimer);
  }
}

/** Makes the fleet's clients, connects them and warms up; see {@link Fleet}. */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const fleet = new Fleet(options);
  try {
    await fleet.start();
  } catch (error) {
    await fleet.close();
    throw error;
  }
  return fleet;
}

export interface ChatPeerOptions {
  /** Where to connect over TCP (a load balancer's port, say); or give `url`. */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** Connect to this `ws://` URL instead of host:port (a WebSocket server, or a balancer in front of one). */
  url?: string;
  /** Options of each client. @default {} */
  client?: ClientOptions;
  /** Action names. @default { join: "join", line: "line" } */
  actions?: { join?: string; line?: string };
  /** Each line's text. @default "the quick brown fox" */
  text?: string;
}

/** An untyped fleet client (a plain ConnectionListener) for any server speaking `join {room}` / `line {seq, text}`. */
export class ChatPeer extends ConnectionListener implements FleetPeer {
  private readonly joinAction: string;
  private readonly lineAction: string;

  constructor(
    private readonly context: FleetPeerContext,
    private readonly settings: ChatPeerOptions,
  ) {
    super(settings.client);
    this.joinAction = settings.actions?.join ?? "join";
    this.lineAction = settings.actions?.line ?? "line";
  }

  start(): Promise<void> {
    const { url, host = "127.0.0.1", port } = this.settings;
    if (url) return this.connect(url);
    if (port === undefined) throw new Error("chatPeer needs a port or a url");
    return this.connect(host, port);
  }

  say(seq: number): void {
    this.send({ action: this.lineAction, seq, text: this.settings.text ?? "the quick brown fox" });
  }

  Network_connected(event: ConnectedEvent): void {
    this.context.hooks.connected(event);
    this.send({ action: this.joinAction, room: this.context.room });
  }
  Network_reconnecting(): void {
    this.context.hooks.reconnecting();
  }
  Network_reconnected(): void {
    this.context.hooks.reconnected();
  }
  Network_error(event: ErrorEvent): void {
    this.context.hooks.error(event);
  }
  Network_disconnected(): void {
    this.context.hooks.disconnected();
  }
  networkReceived(data: AnyMessage): void {
    if (data.action === this.lineAction) this.context.hooks.line({ from: String(data.from), seq: Number(data.seq), count: Number(data.count) });
  }
}

/** A peer factory of {@link ChatPeer}s. */
export function chatPeer(options: ChatPeerOptions): (context: FleetPeerContext) => FleetPeer {
  return (context) => new ChatPeer(context, options);
}
