/** What the wire-level test peers (TCP and WebSocket) share: the messages they received, and waiting on them. */
import { PATIENCE_MS, waitFor } from "./wait.ts";

export abstract class RecordingPeer {
  readonly received: Array<Record<string, unknown>> = [];
  closed = false;

  actions(): string[] {
    return this.received.map((m) => String(m.action));
  }

  async waitFor(count: number, what = `${count} messages`, timeoutMs = PATIENCE_MS): Promise<void> {
    await waitFor(() => this.received.length >= count, what, timeoutMs);
  }

  async waitClosed(timeoutMs = PATIENCE_MS): Promise<void> {
    await waitFor(() => this.closed, "the connection to close", timeoutMs);
  }

  abstract close(): void;
}
