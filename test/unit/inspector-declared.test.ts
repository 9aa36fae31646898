/**
 * The inspector shows a logged message by the protocol's declared types (read
 * from the schema in the generated descriptor), not by the kinds msgpack
 * decoded: `Int` not "integer", `Team` not "string", the member of a union
 * the value is, undeclared fields and values of another kind called out.
 */
import { describe, expect, it } from "vitest";
import { kitchenSinkProtocol } from "../../generated/kitchen_sink.ts";
import { jsonSafe } from "../../runtime/inspector/activity.ts";
import { type DeclaredView, declaredView, typeText } from "../../runtime/inspector/declared.ts";

const schema = kitchenSinkProtocol.schema!;

/** The view as lines: `name: value Type (note)`, children indented. */
function lines(view: DeclaredView, indent = ""): string[] {
  return (view.children ?? []).flatMap((c) => [
    `${indent}${c.name ?? ""}:${c.value === undefined ? "" : ` ${c.value}`}${c.type ? ` ${c.type}` : ""}${c.note ? ` (${c.note})` : ""}`,
    ...lines(c, `${indent}  `),
  ]);
}

describe("inspector: payloads by declared type", () => {
  it("names each field's declared type: refs, literal unions, tuples, optional fields left out when absent", () => {
    const move = declaredView({ action: "move", dir: "north", run: true, at: [1.5, 2] }, schema.client.move, schema.types);
    expect(lines(move)).toEqual(['dir: "north" Direction', "run: true boolean", "at: [number, number]", "  [0]: 1.5 number", "  [1]: 2 number"]);
    const lost = declaredView({ action: "move", dir: "up", run: true, at: [0, 0] }, schema.client.move, schema.types);
    expect(lines(lost)[0]).toBe('dir: "up" Direction (fits no member)');
    const join = declaredView({ action: "join", name: "ada" }, schema.client.join, schema.types);
    expect(lines(join)).toEqual(['name: "ada" string']);
    const say = declaredView({ action: "say", text: "hi", to: null }, schema.client.say, schema.types);
    expect(lines(say)).toEqual(['text: "hi" string', "to: null string | null"]);
  });

  it("shows the member of a discriminated union a value is, through references", () => {
    const draw = declaredView({ action: "draw", shape: { kind: "circle", center: { x: 1, y: 2 }, radius: 3 } }, schema.client.draw, schema.types);
    expect(lines(draw)).toEqual(["shape: Shape", '  kind: "circle" "circle"', "  center: Vec2", "    x: 1 number", "    y: 2 number", "  radius: 3 number"]);
  });

  it("shows bytes, records and Int, and calls out an undeclared field and a value of another kind", () => {
    const payload = jsonSafe({ action: "upload", name: "a", data: new Uint8Array([1, 255]), chunks: [], extra: 1 }, 0);
    expect(lines(declaredView(payload, schema.client.upload, schema.types))).toEqual([
      'name: "a" string',
      "data: 01ff Uint8Array",
      "chunks: Uint8Array[]",
      "extra: 1 integer (undeclared)",
    ]);
    const settings = declaredView({ action: "settings", values: { volume: 3, name: "x" }, flags: "no" }, schema.client.settings, schema.types);
    expect(lines(settings)).toEqual([
      "values: Record<string, number | string | boolean>",
      "  volume: 3 number | string | boolean",
      '  name: "x" number | string | boolean',
      'flags: "no" Record<string, boolean> (got string)',
    ]);
  });

  it("without a declaration, shows the kinds of the values", () => {
    expect(lines(declaredView({ action: "x", n: 2, list: ["a"] }, undefined, {}))).toEqual(["n: 2 integer", "list: array of 1", '  [0]: "a" string']);
  });

  it("writes declared types as the protocol file does", () => {
    expect(typeText({ kind: "array", element: { kind: "union", members: [{ kind: "int" }, { kind: "null" }] } })).toBe("(Int | null)[]");
    expect(typeText(schema.types.Monster!)).toBe("{ id: Int; hp: Int; tags: string[] }");
    expect(typeText(schema.types.Player!)).toBe("{ id: Int; name: string; team: Team; pos: Vec2; avatar?: Uint8Array; score: Int…"); // cut at 80
  });
});
