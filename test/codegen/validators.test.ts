/**
 * The generated validators, run on good and bad payloads: exact messages,
 * paths, and what is accepted (extra keys, absent optional fields).
 */
import { describe, expect, it } from "vitest";
import { chatProtocol } from "../../generated/chat.ts";
import { kitchenSinkProtocol } from "../../generated/kitchen_sink.ts";

const client = (action: string, data: Record<string, unknown>) => kitchenSinkProtocol.client[action]({ action, ...data });
const server = (action: string, data: Record<string, unknown>) => kitchenSinkProtocol.server[action]({ action, ...data });
const vec = (x: unknown, y: unknown) => ({ x, y });
const player = (overrides: Record<string, unknown> = {}) => ({ id: 1, name: "ada", team: "red", pos: vec(0, 0), score: null, ...overrides });

describe("chat validators", () => {
  it("accept a valid message, and extra keys", () => {
    expect(chatProtocol.client.nickname({ action: "nickname", nickname: "ada" })).toBeUndefined();
    expect(chatProtocol.client.nickname({ action: "nickname", nickname: "ada", color: 3 })).toBeUndefined();
  });

  it("refuse a missing or mistyped field", () => {
    expect(chatProtocol.client.nickname({ action: "nickname" })).toBe("nickname: expected string, got nothing");
    expect(chatProtocol.client.message({ action: "message", text: 42 })).toBe("text: expected string, got number");
  });

  it("name the element of an array", () => {
    expect(chatProtocol.server.players({ action: "players", list: ["a", "b", 7] })).toBe("list[2]: expected string, got number");
    expect(chatProtocol.server.players({ action: "players", list: "a,b" })).toBe("list: expected array, got string");
  });

  it("cover every action of each direction and no other", () => {
    expect(Object.keys(chatProtocol.client)).toEqual(["nickname", "message"]);
    expect(Object.keys(chatProtocol.server)).toEqual(["message", "system", "players"]);
    expect(chatProtocol.name).toBe("chat");
    expect(chatProtocol.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe("kitchen sink validators", () => {
  it("Int refuses non-integers, strings and bigints", () => {
    expect(server("state", { tick: 3, positions: {}, shapes: [] })).toBeUndefined();
    expect(server("state", { tick: 1.5, positions: {}, shapes: [] })).toBe("tick: expected integer, got number");
    expect(server("state", { tick: "3", positions: {}, shapes: [] })).toBe("tick: expected integer, got string");
    expect(server("state", { tick: 3n, positions: {}, shapes: [] })).toBe("tick: expected integer, got bigint");
  });

  it("literals show what came", () => {
    expect(server("kicked", { reason: "spam" })).toBeUndefined();
    expect(server("kicked", { reason: "bored" })).toBe('reason: expected "spam" | "cheat" | "idle", got "bored"');
    expect(server("kicked", { reason: 1 })).toBe('reason: expected "spam" | "cheat" | "idle", got 1');
    expect(server("kicked", { reason: [] })).toBe('reason: expected "spam" | "cheat" | "idle", got array');
    expect(client("vote", { option: 4, level: 0, sure: true })).toBe("option: expected 1 | 2 | 3, got 4");
    expect(client("vote", { option: 1, level: -1, sure: false })).toBe("sure: expected true, got false");
  });

  it("a long received string is cut in the message", () => {
    expect(server("kicked", { reason: "x".repeat(100) })).toBe(`reason: expected "spam" | "cheat" | "idle", got "${"x".repeat(40)}..."`);
  });

  it("optional fields may be absent, but not null unless their type has null", () => {
    expect(client("join", { name: "ada" })).toBeUndefined();
    expect(client("join", { name: "ada", team: undefined })).toBeUndefined();
    expect(client("join", { name: "ada", team: null })).toBe('team: expected "red" | "blue", got null');
    expect(server("kicked", { reason: "idle", minutes: null })).toBeUndefined();
    expect(server("kicked", { reason: "idle", minutes: 2.5 })).toBe("minutes: expected integer | null, got number");
  });

  it("tuples check their length and each element", () => {
    expect(client("move", { dir: "north", run: false, at: [1, 2] })).toBeUndefined();
    expect(client("move", { dir: "north", run: false, at: [1, 2, 3] })).toBe("at: expected tuple of 2, got array of 3");
    expect(client("move", { dir: "north", run: false, at: "1,2" })).toBe("at: expected tuple of 2, got string");
    expect(client("move", { dir: "north", run: false, at: [1, "2"] })).toBe("at[1]: expected number, got string");
    expect(client("move", { dir: "up", run: false, at: [1, 2] })).toBe('dir: expected "north" | "east" | "south" | "west", got "up"');
  });

  it("bytes are Uint8Array (a Buffer is one), nothing else", () => {
    const bytes = new Uint8Array([1, 2]);
    expect(client("upload", { name: "a", data: Buffer.from("hi"), chunks: [bytes] })).toBeUndefined();
    expect(client("upload", { name: "a", data: "aGk=", chunks: [] })).toBe("data: expected bytes, got string");
    expect(client("upload", { name: "a", data: bytes, chunks: [bytes, [1]] })).toBe("chunks[1]: expected bytes, got array");
  });

  it("records check every value and name its key", () => {
    expect(client("settings", { values: { a: 1, b: "x", c: true } })).toBeUndefined();
    expect(client("settings", { values: { a: 1, "b c": null } })).toBe('values["b c"]: expected number | string | boolean, got null');
    expect(client("settings", { values: [] })).toBe("values: expected object, got array");
    expect(client("settings", { values: new Uint8Array(1) })).toBe("values: expected object, got bytes");
    expect(client("settings", { values: {}, flags: { x: 1 } })).toBe('flags["x"]: expected boolean, got number');
  });

  it("paths go through arrays, named types and nested objects", () => {
    const board = { min: vec(0, 0), max: vec(9, 9) };
    const good = { you: player(), players: [player(), player()], board, monsters: [] };
    expect(server("welcome", good)).toBeUndefined();
    expect(server("welcome", { ...good, players: [player(), player({ pos: vec("1", 0) })] })).toBe("players[1].pos.x: expected number, got string");
    expect(server("welcome", { ...good, you: player({ avatar: "png" }) })).toBe("you.avatar: expected bytes, got string");
    expect(server("welcome", { ...good, board: { min: vec(0, 0) } })).toBe("board.max: expected object, got nothing");
    expect(server("welcome", { ...good, monsters: [{ id: 1, hp: 3, tags: ["a", 2] }] })).toBe("monsters[0].tags[1]: expected string, got number");
    expect(server("welcome", { ...good, you: player({ id: 1.5 }) })).toBe("you.id: expected integer, got number");
    expect(client("nested", { outer: { inner: { deep: "x", list: [{ k: "a" }, { k: "c" }] } } })).toBe('outer.inner.list[1].k: expected "a" | "b", got "c"');
  });

  it("a union told apart by a literal field checks the member it names", () => {
    const circle = { kind: "circle", center: vec(0, 0), radius: 2 };
    expect(client("draw", { shape: circle })).toBeUndefined();
    expect(client("draw", { shape: { ...circle, radius: "2" } })).toBe("shape.radius: expected number, got string");
    expect(client("draw", { shape: { kind: "rect", area: { min: vec(0, 0), max: { x: 1 } } } })).toBe("shape.area.max.y: expected number, got nothing");
    expect(client("draw", { shape: { kind: "triangle" } })).toBe('shape.kind: expected "circle" | "rect", got "triangle"');
    expect(client("draw", { shape: "circle" })).toBe("shape: expected object, got string");
    expect(server("state", { tick: 1, positions: {}, shapes: [circle, { kind: "rect" }] })).toBe("shapes[1].area: expected object, got nothing");
  });

  it("a union of several object types without a tag tries each", () => {
    expect(client("aim", { at: vec(1, 2) })).toBeUndefined();
    expect(client("aim", { at: { min: vec(0, 0), max: vec(1, 1) } })).toBeUndefined();
    expect(client("aim", { at: {} })).toBe("at: matches no member of the union (.x: expected number, got nothing; .min: expected object, got nothing)");
    expect(client("aim", { at: 3 })).toBe("at: expected object, got number");
  });

  it("a general union picks the member by the kind of value", () => {
    const mixed = (either: unknown, pair: unknown = 1) => client("mixed", { either, pair });
    for (const ok of ["s", null, [], ["a"], vec(1, 2)]) expect(mixed(ok)).toBeUndefined();
    expect(mixed([1])).toBe("either[0]: expected string, got number");
    expect(mixed({ x: 1 })).toBe("either.y: expected number, got nothing");
    expect(mixed(5)).toBe("either: expected string | array | object | null, got number");
    expect(mixed(null, ["a", 2])).toBeUndefined();
    expect(mixed(null, 2.5)).toBe("pair: expected tuple of 2 | integer, got number");
    expect(mixed(null, ["a"])).toBe("pair: expected tuple of 2, got array of 1");
    expect(mixed(null, ["a", "b"])).toBe("pair[1]: expected integer, got string");
  });

  it("recursive types are checked to any depth", () => {
    const thread = (text: unknown, replies: unknown[] = []) => ({ text, replies });
    expect(client("post", { thread: thread("a", [thread("b", [thread("c")])]) })).toBeUndefined();
    expect(client("post", { thread: thread("a", [thread("b", [thread("c"), thread(4)])]) })).toBe(
      "thread.replies[0].replies[1].text: expected string, got number",
    );
    expect(client("store", { key: "k", value: { a: [1, "x", true, null, { b: [] }] } })).toBeUndefined();
    expect(client("store", { key: "k", value: { a: [1, { b: new Uint8Array(0) }] } })).toBe(
      'value["a"][1]["b"]: expected string | number | boolean | null | array | object, got bytes',
    );
  });

  it("a message whose fields are a named type checks them at the top level", () => {
    expect(client("teleport", vec(1, 2))).toBeUndefined();
    expect(client("teleport", { x: 1 })).toBe("y: expected number, got nothing");
  });

  it("a message without fields accepts any map", () => {
    expect(client("ping", {})).toBeUndefined();
    expect(client("ping", { extra: 1 })).toBeUndefined();
  });

  it("fields named like Object.prototype members are read only when they are the message's own", () => {
    expect(client("odd", { valueOf: 3 })).toBeUndefined();
    expect(client("odd", {})).toBe("valueOf: expected integer, got nothing");
    expect(client("odd", { valueOf: 3, constructor: 1 })).toBe("constructor: expected string, got number");
  });

  it("arrays of arrays and readonly tuples", () => {
    expect(client("select", { ids: [1, 2], grid: [[1], [2, 3]], pairs: [["a", 1]] })).toBeUndefined();
    expect(client("select", { ids: [1, 2.5], grid: [], pairs: [] })).toBe("ids[1]: expected integer, got number");
    expect(client("select", { ids: [], grid: [[1], [2, "x"]], pairs: [] })).toBe("grid[1][1]: expected number, got string");
    expect(
      client("select", {
        ids: [],
        grid: [],
        pairs: [
          ["a", 1],
          ["b", 1.5],
        ],
      }),
    ).toBe("pairs[1][1]: expected integer, got number");
  });
});
