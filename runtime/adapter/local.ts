/**
 * The in-process adapter, the default: one process is the whole population,
 * so publishing is local delivery and presence is this process's channels.
 * It adds nothing to a send but one call: the server's own loop over its
 * members.
 *
 * Presence changes made in one run of the game's code (a handler, a hook)
 * are applied together right after it returns, as one change with the next
 * version, and announced then: never in the middle of the code that made
 * them, and before anything else happens.
 */
import type { Adapter, AdapterHost, Delivery, Member, PresenceView } from "./adapter.ts";
import { memberJson, Population } from "./population.ts";

export class LocalAdapter implements Adapter {
  private host: AdapterHost | null = null;
  private readonly population = new Population();
  private readonly touched = new Set<string>();
  private applying: Promise<void> | null = null;

  get presence(): PresenceView {
    return this.population;
  }

  async init(host: AdapterHost): Promise<void> {
    this.host = host;
    // The channels there are already (none, for a server that starts), without an announcement.
    const share = host.localIds().map((id) => [id, memberJson(host.localMember(id))] as const);
    this.population.reset(this.population.version, new Map([[host.serverId, share]]));
  }

  publish(frame: Uint8Array, delivery: Delivery): void {
    this.host?.deliverLocal(frame, delivery);
  }

  memberChanged(id: string): void {
    this.changed(id);
  }

  async count(group?: string): Promise<number> {
    await this.applying;
    return this.population.count(group);
  }

  async members(group?: string): Promise<Member[]> {
    await this.applying;
    return this.population.members(group);
  }

  async close(): Promise<void> {
    await this.applying;
    this.host = null;
    this.population.reset(this.population.version, new Map()); // a stopped server sees nobody
  }

  private changed(id: string): void {
    if (!this.host) return;
    this.touched.add(id);
    this.applying ??= Promise.resolve().then(() => this.apply());
  }

  private apply(): void {
    this.applying = null;
    const host = this.host;
    if (!host) return;
    const updates = [...this.touched].map((id) => [id, memberJson(host.localMember(id))] as const);
    this.touched.clear();
    const change = this.population.apply(this.population.version + 1, host.serverId, updates, false);
    if (change) host.presenceAnnounced(change);
  }
}
