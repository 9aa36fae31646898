/** The population a server knows: changes applied in order, what each one shows, and whole shares replaced or dropped. */
import { describe, expect, it } from "vitest";
import { memberJson, Population } from "../../runtime/adapter/population.ts";
import { readChange } from "../../runtime/adapter/redis-presence.ts";

const json = (groups: string[], presence?: unknown): string => memberJson({ id: "", groups, presence: presence as never })!;

describe("Population", () => {
  it("announces joins, updates and departures once each, and nothing for a write that changes nothing", () => {
    const view = new Population();
    const first = view.apply(
      1,
      "a",
      [
        ["a.1", json(["red"], "ann")],
        ["a.2", json([])],
      ],
      false,
    );
    expect(first).toEqual({
      version: 1,
      cause: "change",
      server: "a",
      joined: [
        { id: "a.1", groups: ["red"], presence: "ann" },
        { id: "a.2", groups: [], presence: undefined },
      ],
      updated: [],
      left: [],
    });
    expect(view.apply(2, "a", [["a.1", json(["red"], "ann")]], false)).toBeNull();
    expect(view.version).toBe(2);
    const second = view.apply(
      3,
      "a",
      [
        ["a.1", json(["blue"], "ann")],
        ["a.2", null],
      ],
      false,
    );
    expect(second?.updated).toEqual([{ id: "a.1", groups: ["blue"], presence: "ann" }]);
    expect(second?.left).toEqual([{ id: "a.2", groups: [], presence: undefined }]);
    expect(view.count()).toBe(1);
    expect(view.count("red")).toBe(0);
    expect(view.count("blue")).toBe(1);
    expect(view.members("blue").map((m) => m.id)).toEqual(["a.1"]);
    expect(view.member("a.2")).toBeUndefined();
  });

  it("a full write replaces the server's share; an expired server's members leave; other shares stay", () => {
    const view = new Population();
    view.apply(
      1,
      "a",
      [
        ["a.1", json([])],
        ["a.2", json([])],
      ],
      false,
    );
    view.apply(2, "b", [["b.1", json(["g"])]], false);
    const full = view.apply(
      3,
      "a",
      [
        ["a.2", json([], "x")],
        ["a.3", json([])],
      ],
      true,
    );
    expect(full?.joined.map((m) => m.id)).toEqual(["a.3"]);
    expect(full?.updated.map((m) => m.id)).toEqual(["a.2"]);
    expect(full?.left.map((m) => m.id)).toEqual(["a.1"]);
    const expired = view.drop(4, "b");
    expect(expired).toMatchObject({ version: 4, cause: "expired", server: "b", joined: [], updated: [] });
    expect(expired?.left.map((m) => m.id)).toEqual(["b.1"]);
    expect(view.count("g")).toBe(0);
    expect(
      view
        .members()
        .map((m) => m.id)
        .sort(),
    ).toEqual(["a.2", "a.3"]);
  });

  it("a member written by two servers (a session that moved) shows the last write, and stays while either has it", () => {
    const view = new Population();
    view.apply(1, "a", [["a.1", json([], "old")]], false);
    const moved = view.apply(2, "b", [["a.1", json([], "new")]], false);
    expect(moved?.updated).toEqual([{ id: "a.1", groups: [], presence: "new" }]);
    expect(view.apply(3, "a", [["a.1", null]], false)).toBeNull(); // b still has it
    expect(view.count()).toBe(1);
    expect(view.apply(4, "b", [["a.1", null]], false)?.left.map((m) => m.id)).toEqual(["a.1"]);
  });

  it("a member written by two servers: the other's entry shows when one rewrites its share or expires, and a snapshot keeps the one shown", () => {
    const view = new Population();
    view.apply(1, "a", [["a.1", json(["g"], "old")]], false);
    view.apply(2, "b", [["a.1", json(["h"], "new")]], false);
    expect(view.members("h").map((m) => m.id)).toEqual(["a.1"]);
    // b rewrites its share without a.1: a's entry shows again, its groups with it.
    const rewritten = view.apply(3, "b", [["b.9", json([])]], true);
    expect(rewritten?.updated).toEqual([{ id: "a.1", groups: ["g"], presence: "old" }]);
    expect(rewritten?.joined.map((m) => m.id)).toEqual(["b.9"]);
    expect([view.count("g"), view.count("h")]).toEqual([1, 0]);
    // Written by b again, then b expires: a's shows again; a's expiry then leaves nobody.
    view.apply(4, "b", [["a.1", json([], "new")]], false);
    expect(view.drop(5, "b")?.updated).toEqual([{ id: "a.1", groups: ["g"], presence: "old" }]);
    expect(view.drop(6, "a")?.left.map((m) => m.id)).toEqual(["a.1"]);
    expect(view.count()).toBe(0);
    // A snapshot where both have it keeps showing the one that showed (b's), whichever server comes first.
    view.apply(7, "b", [["a.1", json([], "new")]], false);
    const snapshot = new Map([
      ["a", [["a.1", json([], "old")] as const]],
      ["b", [["a.1", json([], "new")] as const]],
    ]);
    expect(view.reset(8, snapshot)).toBeNull();
    expect(view.member("a.1")?.presence).toBe("new");
    // And once b forgets it, a's shows.
    expect(view.apply(9, "b", [["a.1", null]], false)?.updated).toEqual([{ id: "a.1", groups: [], presence: "old" }]);
  });

  it("a snapshot replaces everything and announces only the difference, as a resync", () => {
    const view = new Population();
    view.apply(
      1,
      "a",
      [
        ["a.1", json([])],
        ["a.2", json([])],
      ],
      false,
    );
    const change = view.reset(
      9,
      new Map([
        ["a", [["a.1", json([])] as const]],
        ["c", [["c.1", json([])] as const]],
      ]),
    );
    expect(change).toMatchObject({ version: 9, cause: "resync", server: undefined });
    expect(change?.joined.map((m) => m.id)).toEqual(["c.1"]);
    expect(change?.left.map((m) => m.id)).toEqual(["a.2"]);
    expect(
      view.reset(
        10,
        new Map([
          ["a", [["a.1", json([])] as const]],
          ["c", [["c.1", json([])] as const]],
        ]),
      ),
    ).toBeNull();
  });

  it("ignores member JSON it did not write", () => {
    const view = new Population();
    expect(view.apply(1, "a", [["a.1", "{nope"]], false)).toBeNull();
    expect(view.count()).toBe(0);
  });
});

describe("readChange (the changes channel)", () => {
  it("reads writes, expiries and empty versions; refuses anything else with a reason", () => {
    expect(readChange('7 {"s":"a","m":[["a.1","{\\"g\\":[]}"],["a.2",null]]}')).toEqual({
      version: 7,
      change: {
        kind: "write",
        server: "a",
        full: false,
        updates: [
          ["a.1", '{"g":[]}'],
          ["a.2", null],
        ],
      },
    });
    expect(readChange('8 {"s":"a","f":1,"m":[]}')).toEqual({ version: 8, change: { kind: "write", server: "a", full: true, updates: [] } });
    expect(readChange('9 {"s":"b","x":1}')).toEqual({ version: 9, change: { kind: "expired", server: "b" } });
    expect(readChange("10 {}")).toEqual({ version: 10, change: { kind: "none" } });
    expect(readChange("{}")).toBe("no version");
    expect(readChange("0 {}")).toBe("no version");
    expect(readChange("3 nope")).toBe("not JSON");
    expect(readChange("3 null")).toBe("not an object");
    expect(readChange('3 {"s":1}')).toBe("no server");
    expect(readChange('3 {"s":"a"}')).toBe("no members");
    expect(readChange('3 {"s":"a","m":[[1,null]]}')).toBe("a bad member");
  });
});
