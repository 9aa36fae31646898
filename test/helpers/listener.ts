/** A ConnectionListener that records every message and event, pumped on a timer like a game loop. */
import { type AnyMessage, type ClientOptions, ConnectionListener } from "../../runtime/index.ts";
import { PATIENCE_MS, waitFor } from "./wait.ts";

export class RecordingListener extends ConnectionListener {
  readonly log: AnyMessage[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(options?: ClientOptions) {
    super(options);
  }

  networkReceived(data: AnyMessage): void {
    this.log.push(data);
  }
  Network_socketConnect(data: AnyMessage): void {
    this.log.push(data);
  }
  Network_connected(data: AnyMessage): void {
    this.log.push(data);
  }
  Network_error(data: AnyMessage): void {
    this.log.push(data);
  }
  Network_disconnected(data: AnyMessage): void {
    this.log.push(data);
  }

  /** Pumps every `ms` milliseconds until stopped. */
  loop(ms = 5): this {
    this.timer = setInterval(() => this.pump(), ms);
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  actions(): string[] {
    return this.log.map((m) => m.action);
  }

  of(action: string): AnyMessage[] {
    return this.log.filter((m) => m.action === action);
  }

  async waitFor(action: string, count = 1, timeoutMs = PATIENCE_MS): Promise<void> {
    await waitFor(() => this.of(action).length >= count, `${count} × "${action}" (have: ${this.actions().join(",")})`, timeoutMs);
  }
}
