/**
 * The fleet's clients for the fixture protocol (fixtures/cluster.protocol.ts):
 * generated listeners that also keep what the cluster tests check of each
 * session — the channel id, the servers `onResume` fired on, and the last
 * `stats` (the Session the server keeps).
 */
import type { ClientOptions, ConnectedEvent, ErrorEvent } from "../../runtime/index.ts";
import { ClusterListener, type ClusterServerMessages } from "./fixtures/cluster.ts";
import type { FleetPeer, FleetPeerContext } from "./fleet.ts";

export class Player extends ClusterListener implements FleetPeer {
  /** Channel ids greeted with, in order (one unless a session started over). */
  readonly ids: string[] = [];
  /** Servers that resumed this session (`resumedOn`), in order. */
  readonly resumedOn: string[] = [];
  stats: ClusterServerMessages["stats"] | undefined;
  /** Error events, as `CODE: message`. */
  readonly errors: string[] = [];

  constructor(
    private readonly context: FleetPeerContext,
    private readonly target: { port: number; host?: string; url?: string },
    options: ClientOptions = {},
  ) {
    super(options);
  }

  start(): Promise<void> {
    const { url, host = "127.0.0.1", port } = this.target;
    return url ? this.connect(url) : this.connect(host, port);
  }

  say(seq: number): void {
    this.send({ action: "line", seq, text: "the quick brown fox" });
  }

  askStats(): void {
    this.stats = undefined;
    this.send({ action: "stats" });
  }

  Network_connected(event: ConnectedEvent): void {
    if (typeof event.id === "string") this.ids.push(event.id);
    this.context.hooks.connected(event);
    this.send({ action: "join", room: this.context.room });
  }
  /** What `reconnecting` said, in order (for failure messages). */
  readonly breaks: string[] = [];
  Network_reconnecting(event: { attempt: number; delayMs: number; code: string; message: string }): void {
    this.breaks.push(`${Date.now()} #${event.attempt} +${event.delayMs}ms ${event.code}: ${event.message}`);
    this.context.hooks.reconnecting();
  }
  Network_reconnected(): void {
    this.context.hooks.reconnected();
  }
  Network_error(event: ErrorEvent): void {
    this.errors.push(`${event.code}: ${event.message}`);
    this.context.hooks.error(event);
  }
  Network_disconnected(): void {
    this.context.hooks.disconnected();
  }
  Network_joined(): void {}
  Network_line(data: ClusterServerMessages["line"]): void {
    this.context.hooks.line(data);
  }
  Network_resumedOn(data: ClusterServerMessages["resumedOn"]): void {
    this.resumedOn.push(data.server);
  }
  Network_stats(data: ClusterServerMessages["stats"]): void {
    this.stats = data;
  }
}
