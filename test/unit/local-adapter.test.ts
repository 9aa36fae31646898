import { describe, expect, it } from "vitest";
import type { AdapterHost, Delivery, Member } from "../../runtime/adapter/adapter.ts";
import { LocalAdapter } from "../../runtime/adapter/local.ts";
import type { RepodError } from "../../runtime/errors.ts";

/** A host that records what the adapter asks of it. */
class FakeHost implements AdapterHost {
  readonly serverId = "abc";
  readonly delivered: Array<{ frame: Uint8Array; delivery: Delivery }> = [];
  readonly errors: RepodError[] = [];
  readonly members = new Map<string, Member>([
    ["abc.1", { id: "abc.1", groups: ["red"], presence: "ann" }],
    ["abc.2", { id: "abc.2", groups: ["red", "blue"], presence: { nick: "bob" } }],
    ["abc.3", { id: "abc.3", groups: [] }],
  ]);
  deliverLocal(frame: Uint8Array, delivery: Delivery): number {
    this.delivered.push({ frame, delivery });
    return 1;
  }
  localCount(group?: string): number {
    return this.localIds(group).length;
  }
  localIds(group?: string): string[] {
    return [...this.members.values()].filter((m) => group === undefined || m.groups.includes(group)).map((m) => m.id);
  }
  localMember(id: string): Member | undefined {
    return this.members.get(id);
  }
  log(): void {}
  presenceAnnounced(): void {}
  reportError(error: RepodError): void {
    this.errors.push(error);
  }
}

describe("LocalAdapter", () => {
  it("publishes by handing the very same frame to the host's local delivery, once", async () => {
    const host = new FakeHost();
    const adapter = new LocalAdapter();
    await adapter.init(host);
    const frame = new Uint8Array([0, 0, 0, 1, 0x80]);
    const delivery: Delivery = { audience: { to: "group", group: "red" }, except: "abc.1" };
    adapter.publish(frame, delivery);
    expect(host.delivered).toHaveLength(1);
    expect(host.delivered[0]!.frame).toBe(frame);
    expect(host.delivered[0]!.delivery).toBe(delivery);
  });

  it("counts and lists the host's members, per group and in all", async () => {
    const host = new FakeHost();
    const adapter = new LocalAdapter();
    await adapter.init(host);
    expect(await adapter.count()).toBe(3);
    expect(await adapter.count("red")).toBe(2);
    expect(await adapter.count("blue")).toBe(1);
    expect(await adapter.count("nobody")).toBe(0);
    expect((await adapter.members("red")).map((m) => m.presence)).toEqual(["ann", { nick: "bob" }]);
    expect((await adapter.members()).map((m) => m.id)).toEqual(["abc.1", "abc.2", "abc.3"]);
  });

  it("does nothing before init and after close", async () => {
    const host = new FakeHost();
    const adapter = new LocalAdapter();
    adapter.publish(new Uint8Array(5), { audience: { to: "all" } });
    expect(await adapter.count()).toBe(0);
    await adapter.init(host);
    await adapter.close();
    adapter.publish(new Uint8Array(5), { audience: { to: "all" } });
    expect(host.delivered).toHaveLength(0);
    expect(await adapter.members()).toEqual([]);
    expect(host.errors).toEqual([]);
  });
});
