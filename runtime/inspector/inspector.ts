/**
 * The inspector: a page, served by the game server itself, that shows what
 * the server is doing while it runs — every channel with its groups,
 * presence and traffic, groups and their sizes, messages per second per
 * action, errors by code and a sampled log of recent messages checked
 * against the protocol — and that can close a channel or move it in and out
 * of groups (unless read-only). With a shared adapter (Redis) it also lists
 * the members of every server of the cluster, and its log, counts per action
 * and errors are the cluster's.
 *
 * Off unless the server is given `inspector: { token }`. The page is plain
 * HTML and JavaScript from `page/`; it talks to the server over a WebSocket
 * on the inspector's port and sees nothing before it presents the token.
 *
 * @example
 * ```ts
 * const server = new ChatServer({ channelClass: Room, inspector: { port: 5080, token: process.env.INSPECTOR_TOKEN! } });
 * await server.start();
 * console.log(server.inspectorUrl); // http://127.0.0.1:5080/ — open it, paste the token
 * ```
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server as HttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import type { Member } from "../adapter/adapter.ts";
import type { ClusterInspection, InspectionAnswer } from "../adapter/inspection.ts";
import type { Channel } from "../channel.ts";
import type { RepodError } from "../errors.ts";
import type { ProtocolDescriptor } from "../protocol.ts";
import { type Clock, systemClock } from "../session/clock.ts";
import type { WebSocketAcceptor } from "../transport/websocket-server.ts";
import { Activity, type ActivityPeriod, ChannelTap, type LogEntry } from "./activity.ts";

/** What the inspector reads of its server (the `Server` class has all of it). */
export interface InspectedServer {
  readonly serverId: string;
  readonly channels: ReadonlySet<Channel<any, any>>;
  readonly channelClass: { readonly protocol?: ProtocolDescriptor };
  readonly options: { readonly tcp: boolean };
  readonly address: { host: string; port: number };
  readonly websocketAddress: { url: string } | undefined;
  channel(id: string): Channel<any, any> | undefined;
  members(group?: string): Promise<Member[]>;
  readonly adapter: { readonly inspection?: ClusterInspection };
}

/** Options of a server's inspector (`new Server({ inspector: { … } })`). */
export interface InspectorOptions {
  /** What the page must present before it is shown anything; required, keep it secret. */
  token: string;
  /** Address the inspector's page listens on. @default "127.0.0.1" */
  host?: string;
  /** Port of the inspector's page; 0 picks a free one (read it from `server.inspectorUrl`). @default 5073 */
  port?: number;
  /** Show, but refuse to close channels or change their groups. @default false */
  readOnly?: boolean;
  /** How often the page is updated, in milliseconds. @default 1000 */
  intervalMs?: number;
  /**
   * Messages of the recent-message log kept per update, at most an eighth of
   * them of one action and direction; the others are counted, not logged.
   * @default 80
   */
  sampleSize?: number;
  /** Channels listed per update at most (the first ones by id; the totals count all). @default 500 */
  maxChannels?: number;
  /**
   * Serve the page under this path of the server's WebSocket listener (its
   * own port, or your HTTP server) instead of on a port of its own, e.g.
   * `"/inspector/"`: the page at `http://host:port/inspector/`, its socket at
   * `…/inspector/live`. `host` and `port` are then unused; the server needs a
   * `websocket` option.
   * @default undefined (a port of its own)
   */
  path?: string;
}

/** The inspector's default port. */
export const DEFAULT_INSPECTOR_PORT = 5073;

/** What a page asks; every answer is `{ type: "done" | "refused", request, reason? }`. */
type Command =
  | { type: "auth"; token: string }
  | { type: "close"; id: string }
  | { type: "join"; id: string; group: string }
  | { type: "leave"; id: string; group: string };

const PAGE_FILES: Record<string, string> = {
  "/": "index.html",
  "/index.html": "index.html",
  "/inspector.js": "inspector.js",
  "/inspector.css": "inspector.css",
};

const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
};

/** The page's folder: next to this file in a checkout; in an installed package, the shipped `runtime/inspector/page/`. */
function pageDir(): URL {
  const beside = new URL("./page/", import.meta.url);
  if (existsSync(beside)) return beside;
  return new URL("../../../runtime/inspector/page/", import.meta.url);
}

/** A running inspector of one server. */
export class Inspector {
  /** Counts shared with every channel's tap. */
  readonly activity: Activity;
  /** The inspector's own HTTP server; null when it is mounted on the server's WebSocket listener. */
  private readonly http: HttpServer | null;
  /** Where the page is: "/" on a port of its own, else the `path` option. */
  private readonly prefix: string;
  /** Mounted: the listener it is mounted on, and how to give back its path. */
  private mount: { acceptor: WebSocketAcceptor; undo: () => void } | null = null;
  private readonly wss: WebSocketServer;
  private readonly watchers = new Set<WebSocket>();
  private readonly tokenDigest: Buffer;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private readonly started = Date.now();
  private readonly readOnly: boolean;
  private readonly intervalMs: number;
  private readonly maxChannels: number;
  /** Where this server's page last read the activity from. */
  private localSeq = 0;
  /** Where this server's page last read each other server's activity from, by server id. */
  private cursors = new Map<string, { seq: number; missed: number }>();
  /** Set while another server's inspector watches this one: its activity is counted until it ends. */
  private remoteLease: NodeJS.Timeout | undefined;

  private constructor(
    private readonly server: InspectedServer,
    options: InspectorOptions,
    clock: Clock,
  ) {
    if (typeof options.token !== "string" || options.token.length === 0) {
      throw new Error('the inspector needs a token: inspector: { token: "…" }');
    }
    this.tokenDigest = digest(options.token);
    this.readOnly = options.readOnly ?? false;
    this.intervalMs = options.intervalMs ?? 1000;
    this.maxChannels = options.maxChannels ?? 500;
    const protocol = server.channelClass.protocol;
    this.activity = new Activity(clock, { client: protocol?.client ?? {}, server: protocol?.server ?? {}, schema: protocol?.schema }, options.sampleSize ?? 80);
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false });
    if (options.path === undefined) {
      this.prefix = "/";
      this.http = createServer((request, response) => this.request(request, response));
      this.http.on("upgrade", (request, socket, head) => this.upgrade(request, socket, head));
    } else {
      if (typeof options.path !== "string" || !options.path.startsWith("/"))
        throw new Error(`inspector.path must start with "/" (got ${JSON.stringify(options.path)})`);
      this.prefix = options.path.endsWith("/") ? options.path : `${options.path}/`;
      this.http = null;
    }
  }

  /**
   * Starts the inspector of `server`: on a port of its own, or with `options.path`
   * on the server's WebSocket listener `acceptor`.
   */
  static async start(server: InspectedServer, options: InspectorOptions, clock: Clock = systemClock, acceptor?: WebSocketAcceptor): Promise<Inspector> {
    const inspector = new Inspector(server, options, clock);
    const http = inspector.http;
    if (http === null) {
      if (acceptor === undefined) {
        throw new Error(
          `inspector.path (${JSON.stringify(options.path)}) serves the inspector on the server's WebSocket listener: give the server a websocket option, or leave path out for a port of its own`,
        );
      }
      const undo = acceptor.divert(inspector.prefix, inspector);
      inspector.mount = { acceptor, undo };
      server.adapter.inspection?.serve((question) => inspector.answer(question));
      return inspector;
    }
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(options.port ?? DEFAULT_INSPECTOR_PORT, options.host ?? "127.0.0.1", () => {
        http.off("error", reject);
        resolve();
      });
    });
    server.adapter.inspection?.serve((question) => inspector.answer(question));
    return inspector;
  }

  /** `http://host:port/` of the page (`http://host:port/path/` when mounted on the server's WebSocket listener). */
  get url(): string {
    let host: string;
    let port: number;
    if (this.http === null) ({ host, port } = this.mount!.acceptor.address);
    else ({ address: host, port } = this.http.address() as AddressInfo);
    return `http://${host.includes(":") ? `[${host}]` : host}:${port}${this.prefix}`;
  }

  /** Pages that presented the token and are watching now. */
  get watcherCount(): number {
    return this.watchers.size;
  }

  // ---- what the server tells it ----------------------------------------------------

  /** A channel joined the server: count its traffic. */
  admitted(channel: Channel<any, any>): void {
    channel.link.tap = new ChannelTap(this.activity, channel);
  }

  /** Counts an error by code. */
  error(error: RepodError): void {
    this.activity.error(error.code);
  }

  /** Stops serving; pages are told and disconnected. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    clearTimeout(this.remoteLease);
    this.remoteLease = undefined;
    for (const ws of this.watchers) ws.close(1001, "the server stopped");
    this.watchers.clear();
    this.activity.watched = false;
    this.wss.close();
    this.server.adapter.inspection?.serve(null);
    this.mount?.undo();
    this.mount = null;
    const http = this.http;
    if (http === null) return;
    await new Promise<void>((resolve) => {
      http.close(() => resolve());
      http.closeAllConnections();
    });
  }

  // ---- pages ------------------------------------------------------------------------

  /** @internal An HTTP request for a path under the inspector's. */
  request(request: IncomingMessage, response: ServerResponse): void {
    const full = pathOf(request);
    if (full === this.prefix.slice(0, -1)) {
      response.writeHead(308, { location: this.prefix }).end();
      return;
    }
    const path = `/${full.slice(this.prefix.length)}`;
    if (path === "/favicon.ico") {
      response.writeHead(204).end();
      return;
    }
    const file = PAGE_FILES[path];
    if (request.method !== "GET" || file === undefined) {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    let body: Buffer;
    try {
      body = readFileSync(new URL(file, pageDir()));
    } catch {
      response.writeHead(500, { "content-type": "text/plain" }).end("the inspector's page is missing from this installation\n");
      return;
    }
    response
      .writeHead(200, {
        "content-type": CONTENT_TYPES[file.slice(file.lastIndexOf(".") + 1)] ?? "application/octet-stream",
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      })
      .end(body);
  }

  /** @internal An upgrade request for a path under the inspector's: its socket is `live`. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (pathOf(request) !== `${this.prefix}live`) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.greet(ws));
  }

  /** A page connected: nothing until it presents the token. */
  private greet(ws: WebSocket): void {
    let authed = false;
    const deadline = setTimeout(() => ws.close(4401, "no token presented"), 10_000);
    ws.on("message", (data, isBinary) => {
      let command: Command;
      try {
        command = JSON.parse(isBinary ? "" : data.toString()) as Command;
      } catch {
        ws.close(4400, "not JSON");
        return;
      }
      if (!authed) {
        clearTimeout(deadline);
        if (command?.type !== "auth" || typeof command.token !== "string" || !timingSafeEqual(digest(command.token), this.tokenDigest)) {
          ws.close(4401, "wrong token");
          return;
        }
        authed = true;
        this.watch(ws);
        return;
      }
      this.command(ws, command);
    });
    ws.on("close", () => {
      clearTimeout(deadline);
      this.unwatch(ws);
    });
    ws.on("error", () => ws.terminate());
  }

  private watch(ws: WebSocket): void {
    this.watchers.add(ws);
    if (this.watchers.size === 1) {
      // Counts start now (they may have started already for another server's inspector).
      this.localSeq = this.activity.watched ? this.activity.since(undefined).seq : this.activity.restart();
      this.activity.watched = true;
      this.timer = setInterval(() => void this.update(), this.intervalMs);
      this.timer.unref();
    }
    void this.update([ws]);
  }

  private unwatch(ws: WebSocket): void {
    if (!this.watchers.delete(ws) || this.watchers.size > 0) return;
    this.activity.watched = this.remoteLease !== undefined;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private command(ws: WebSocket, command: Command): void {
    const answer = (type: "done" | "refused", reason?: string): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type, request: command, reason }));
      if (type === "done") void this.update();
    };
    if (command?.type !== "close" && command?.type !== "join" && command?.type !== "leave") {
      answer("refused", `unknown request "${String(command?.type)}"`);
      return;
    }
    if (this.readOnly) {
      answer("refused", "the inspector is read-only");
      return;
    }
    const id = typeof command.id === "string" ? command.id : "";
    const owner = serverOf(id);
    const inspection = this.server.adapter.inspection;
    if (this.server.channel(id) === undefined && owner !== "" && owner !== this.server.serverId && inspection !== undefined) {
      // A channel of another server of the cluster: that server's inspector acts on it.
      inspection.ask(owner, command, ASK_TIMEOUT_MS).then(
        (reply) => {
          if (reply === null) answer("refused", `server ${owner} has no inspector`);
          else if (isRefusal(reply)) answer("refused", reply.refused);
          else answer("done");
        },
        (error: Error) => answer("refused", error.message),
      );
      return;
    }
    const refusal = this.apply(command);
    if (refusal === undefined) answer("done");
    else answer("refused", refusal);
  }

  /** Closes a channel of this server or changes its groups; returns why not, if it cannot. */
  private apply(command: Exclude<Command, { type: "auth" }>): string | undefined {
    const channel = typeof command.id === "string" ? this.server.channel(command.id) : undefined;
    if (channel === undefined) return `no channel "${String(command.id)}" on this server`;
    if (command.type === "close") channel.close();
    else if (command.type === "join" || command.type === "leave") {
      if (typeof command.group !== "string" || command.group === "") return "a group name is needed";
      if (command.type === "join") channel.join(command.group);
      else channel.leave(command.group);
    }
    return undefined;
  }

  /** What this server answers another server's inspector: its channels, or the outcome of an action on one of them. */
  private answer(question: unknown): unknown {
    const command = question as Command | ChannelsQuestion | null;
    if (command?.type === "channels") {
      const share = this.local();
      const asked = command.activity;
      if (typeof asked !== "object" || asked === null) return share;
      // Another server's page watches: count this server's activity too, and send what came after the point it last read.
      this.leaseRemote(asked.intervalMs);
      const from = asked.since?.[this.server.serverId];
      share.activity = this.activity.since(typeof from === "number" ? from : undefined);
      return share;
    }
    if (command?.type !== "close" && command?.type !== "join" && command?.type !== "leave") return { refused: `unknown request "${String(command?.type)}"` };
    if (this.readOnly) return { refused: `the inspector of server ${this.server.serverId} is read-only` };
    const refusal = this.apply(command);
    return refusal === undefined ? { done: true } : { refused: refusal.replace("this server", `server ${this.server.serverId}`) };
  }

  /**
   * Another server's inspector watches this one: the activity is counted
   * until it has not asked for three of its updates (and the time to ask).
   */
  private leaseRemote(intervalMs: unknown): void {
    const interval = typeof intervalMs === "number" && intervalMs >= 1 && intervalMs <= 60_000 ? intervalMs : 1000;
    clearTimeout(this.remoteLease);
    if (!this.activity.watched) this.activity.restart();
    this.activity.watched = true;
    this.remoteLease = setTimeout(
      () => {
        this.remoteLease = undefined;
        this.activity.watched = this.watchers.size > 0;
      },
      3 * interval + ASK_TIMEOUT_MS,
    );
    this.remoteLease.unref();
  }

  /** This server's share of a snapshot: its channels (the first `maxChannels`), totals, groups and errors. */
  private local(): ServerShare {
    const server = this.server;
    const channels: ChannelRow[] = [];
    const groups: Record<string, number> = {};
    let connected = 0;
    for (const channel of server.channels) {
      if (channel.isConnected) connected++;
      for (const group of channel.groups) groups[group] = (groups[group] ?? 0) + 1;
      if (channels.length >= this.maxChannels) continue;
      const tap = channel.link.tap as ChannelTap | null;
      const transport = channel.link.transport;
      const [host, port] = channel.addr;
      channels.push({
        id: channel.id,
        server: server.serverId,
        address: host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`,
        transport: transport?.kind ?? "",
        connected: channel.isConnected,
        groups: [...channel.groups],
        presence: channel.presence ?? null,
        in: { messages: tap?.messagesIn ?? 0, bytes: tap?.bytesIn ?? 0 },
        out: { messages: tap?.messagesOut ?? 0, bytes: tap?.bytesOut ?? 0 },
        rtt: tap === null || tap.rtt < 0 ? null : Math.round(tap.rtt * 10) / 10,
      });
    }
    return {
      id: server.serverId,
      readOnly: this.readOnly,
      totals: { channels: server.channels.size, connected },
      groups,
      channels,
      errors: Object.fromEntries(this.activity.errors),
    };
  }

  /** Sends every watcher (or `to`) what changed. */
  private async update(to?: WebSocket[]): Promise<void> {
    if (this.busy && to === undefined) return;
    this.busy = true;
    try {
      const snapshot = await this.snapshot(to === undefined);
      const text = JSON.stringify(snapshot);
      for (const ws of to ?? this.watchers) if (ws.readyState === ws.OPEN) ws.send(text);
    } finally {
      this.busy = false;
    }
  }

  private async snapshot(periodic: boolean): Promise<unknown> {
    const server = this.server;
    const now = Date.now();
    const here = this.local();
    // With an adapter that links servers, every other server's inspector sends its share.
    const inspection = server.adapter.inspection;
    let others: InspectionAnswer[] = [];
    let askError: string | undefined;
    if (inspection !== undefined) {
      try {
        // A periodic update also asks for their activity since the point this page last read of each.
        const question: ChannelsQuestion = periodic
          ? {
              type: "channels",
              activity: { since: Object.fromEntries([...this.cursors].map(([id, cursor]) => [id, cursor.seq])), intervalMs: this.intervalMs },
            }
          : { type: "channels" };
        others = await inspection.askAll(question, ASK_TIMEOUT_MS);
      } catch (error) {
        askError = error instanceof Error ? error.message : String(error);
      }
    }
    const shares = [here, ...others.map((o) => o.answer).filter(isShare)];
    const channels = shares.flatMap((share) => share.channels);
    const groups = new Map<string, number>();
    let total = 0;
    let connected = 0;
    for (const share of shares) {
      total += share.totals.channels;
      connected += share.totals.connected;
      for (const [group, size] of Object.entries(share.groups)) groups.set(group, (groups.get(group) ?? 0) + size);
    }
    let cluster: unknown;
    try {
      const members = await server.members();
      const servers = new Map<string, { channels: number; groups: Record<string, number>; inspector: boolean; activity?: boolean }>();
      const entry = (id: string) => {
        let found = servers.get(id);
        if (!found) servers.set(id, (found = { channels: 0, groups: {}, inspector: false }));
        return found;
      };
      for (const member of members) {
        const server = entry(serverOf(member.id));
        server.channels++;
        for (const group of member.groups) server.groups[group] = (server.groups[group] ?? 0) + 1;
      }
      for (const share of shares) {
        const found = entry(share.id);
        found.inspector = true;
        if (share !== here) found.activity = isActivity(share.activity);
      }
      for (const other of others) entry(other.server);
      cluster = {
        servers: [...servers].map(([id, entry]) => ({ id, ...entry })),
        members: members.slice(0, this.maxChannels).map((m) => ({ id: m.id, groups: m.groups, presence: m.presence ?? null })),
        total: members.length,
        askError,
      };
    } catch (error) {
      cluster = { error: error instanceof Error ? error.message : String(error) };
    }
    const protocol = server.channelClass.protocol;
    // The activity of this server and of the others that sent theirs: counts summed, one log tagged by server.
    const rates = { in: {} as Record<string, number>, out: {} as Record<string, number> };
    const log: LogEntry[] = [];
    const errors: Record<string, number> = {};
    const add = (id: string, period: ActivityPeriod): void => {
      for (const dir of ["in", "out"] as const)
        for (const [action, n] of Object.entries(period[dir])) if (typeof n === "number") rates[dir][action] = (rates[dir][action] ?? 0) + n;
      for (const entry of period.log) log.push(entry.server === id ? entry : { ...entry, server: id });
    };
    if (periodic) {
      const period = this.activity.since(this.localSeq);
      this.localSeq = period.seq;
      add(server.serverId, period);
      const cursors = new Map<string, { seq: number; missed: number }>();
      for (const share of shares) {
        if (share === here || !isActivity(share.activity)) continue;
        cursors.set(share.id, { seq: share.activity.seq, missed: 0 });
        add(share.id, share.activity);
      }
      // A server that did not answer this time (slow, or gone) is asked from the same point next time, for a few updates.
      for (const [id, cursor] of this.cursors)
        if (!cursors.has(id) && cursor.missed < MISSED_UPDATES) cursors.set(id, { seq: cursor.seq, missed: cursor.missed + 1 });
      this.cursors = cursors;
      log.sort((x, y) => x.t - y.t);
    }
    for (const share of shares) for (const [code, n] of Object.entries(share.errors ?? {})) if (typeof n === "number") errors[code] = (errors[code] ?? 0) + n;
    return {
      type: "snapshot",
      t: now,
      intervalMs: this.intervalMs,
      server: {
        id: server.serverId,
        protocol: protocol ? { name: protocol.name, fingerprint: protocol.fingerprint } : null,
        tcp: server.options.tcp ? `${server.address.host}:${server.address.port}` : null,
        websocket: server.websocketAddress?.url ?? null,
        uptimeMs: now - this.started,
        readOnly: this.readOnly,
      },
      totals: { channels: total, connected, listed: channels.length },
      channels,
      groups: [...groups].map(([name, size]) => ({ name, size })).sort((a, b) => a.name.localeCompare(b.name)),
      cluster,
      rates,
      errors,
      log,
    };
  }
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

function pathOf(request: IncomingMessage): string {
  const url = request.url ?? "/";
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

/** How long a question to the other servers of the cluster may take. */
const ASK_TIMEOUT_MS = 2000;

/** Updates a server may miss answering before its activity is read afresh (from the point it then gives). */
const MISSED_UPDATES = 3;

/** One channel as the page lists it. */
interface ChannelRow {
  id: string;
  server: string;
  address: string;
  transport: string;
  connected: boolean;
  groups: string[];
  presence: unknown;
  in: { messages: number; bytes: number };
  out: { messages: number; bytes: number };
  rtt: number | null;
}

/** One server's share of a snapshot, as it answers the cluster's inspectors. */
interface ServerShare {
  id: string;
  readOnly: boolean;
  totals: { channels: number; connected: number };
  groups: Record<string, number>;
  channels: ChannelRow[];
  /** Errors by code since it started. */
  errors?: Record<string, number>;
  /** Its activity since the point the asker gave, when asked for it. */
  activity?: ActivityPeriod;
}

/** What one server's inspector asks the others at each update. */
interface ChannelsQuestion {
  type: "channels";
  /** Asked by a periodic update: the activity after the point given for each server, counted by it while the asker keeps asking. */
  activity?: { since?: Record<string, unknown>; intervalMs?: unknown };
}

function isActivity(activity: unknown): activity is ActivityPeriod {
  const period = activity as ActivityPeriod | null | undefined;
  return (
    typeof period?.seq === "number" &&
    typeof period.in === "object" &&
    period.in !== null &&
    typeof period.out === "object" &&
    period.out !== null &&
    Array.isArray(period.log)
  );
}

function isShare(answer: unknown): answer is ServerShare {
  const share = answer as ServerShare | null;
  return typeof share?.id === "string" && Array.isArray(share.channels) && typeof share.totals === "object" && typeof share.groups === "object";
}

function isRefusal(answer: unknown): answer is { refused: string } {
  return typeof (answer as { refused?: unknown } | null)?.refused === "string";
}

/** The server id in a channel id (`<server id>.<n>`), or "". */
function serverOf(channelId: string): string {
  const dot = channelId.lastIndexOf(".");
  return dot > 0 ? channelId.slice(0, dot) : "";
}
