/**
 * The in-process adapter, the default: one process is the whole population,
 * so publishing is local delivery and presence is local counting. It adds
 * nothing to a send but one call: the server's own loop over its members.
 */
import type { Adapter, AdapterHost, Delivery, Member } from "./adapter.ts";

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
  presenceChanged(): void {}

  async count(group?: string): Promise<number> {
    return this.host?.localCount(group) ?? 0;
  }

  async members(group?: string): Promise<Member[]> {
    const host = this.host;
    if (!host) return [];
    return host.localIds(group).flatMap((id) => host.localMember(id) ?? []);
  }

  async close(): Promise<void> {
    this.host = null;
  }
}
