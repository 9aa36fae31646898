/**
 * The in-process adapter, the default: one process is the whole population,
 * so publishing is local delivery and presence is local counting.
 */
import type { Adapter, AdapterHost, Delivery } from "./adapter.ts";

export class LocalAdapter implements Adapter {
  private host: AdapterHost | null = null;

  async init(host: AdapterHost): Promise<void> {
    this.host = host;
  }

  publish(frame: Uint8Array, delivery: Delivery): void {
    this.host?.deliverLocal(frame, delivery);
  }

  channelAdded(): void {}
  channelRemoved(): void {}
  joined(): void {}
  left(): void {}

  async count(group?: string): Promise<number> {
    return this.host?.localCount(group) ?? 0;
  }

  async close(): Promise<void> {
    this.host = null;
  }
}
