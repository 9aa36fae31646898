import { describe, expect, it } from "vitest";
import { fieldType, parseModel, problems } from "./helpers.ts";

const INT = 'import type { Int } from "repod";';

describe("model: field types", () => {
  it.each([
    ["string", { kind: "string" }],
    ["number", { kind: "number" }],
    ["boolean", { kind: "boolean" }],
    ["null", { kind: "null" }],
    ["Uint8Array", { kind: "bytes" }],
    ['"red"', { kind: "literal", value: "red" }],
    ["3", { kind: "literal", value: 3 }],
    ["-1.5", { kind: "literal", value: -1.5 }],
    ["true", { kind: "literal", value: true }],
    ["false", { kind: "literal", value: false }],
  ])("%s", (text, expected) => {
    expect(fieldType(text)).toEqual(expected);
  });

  it("Int, imported from repod", () => {
    expect(fieldType("Int", INT)).toEqual({ kind: "int" });
  });

  it("Int under another local name", () => {
    expect(fieldType("Integer", 'import type { Int as Integer } from "repod";')).toEqual({ kind: "int" });
  });

  it.each([
    ["string[]", false],
    ["Array<string>", false],
    ["readonly string[]", true],
    ["ReadonlyArray<string>", true],
  ])("array %s", (text, readonly) => {
    expect(fieldType(text)).toEqual({ kind: "array", element: { kind: "string" }, readonly });
  });

  it("array of a union keeps the union as its element", () => {
    expect(fieldType("(string | null)[]")).toEqual({
      kind: "array",
      readonly: false,
      element: { kind: "union", members: [{ kind: "string" }, { kind: "null" }] },
    });
  });

  it("tuples, with labels and readonly", () => {
    expect(fieldType("[number, string]")).toEqual({
      kind: "tuple",
      readonly: false,
      elements: [{ type: { kind: "number" } }, { type: { kind: "string" } }],
    });
    expect(fieldType("readonly [x: number, y: number]")).toEqual({
      kind: "tuple",
      readonly: true,
      elements: [
        { label: "x", type: { kind: "number" } },
        { label: "y", type: { kind: "number" } },
      ],
    });
  });

  it("nested object types with optional, readonly and documented fields", () => {
    // TypeScript attaches a JSDoc only when it starts its line.
    const type = fieldType("{\n    /** Seconds. */\n    readonly t: number;\n    name?: string;\n  }");
    expect(type).toMatchObject({
      kind: "object",
      fields: [
        { name: "t", type: { kind: "number" }, optional: false, readonly: true, doc: "Seconds." },
        { name: "name", type: { kind: "string" }, optional: true, readonly: false },
      ],
    });
  });

  it("Record<string, T>", () => {
    expect(fieldType("Record<string, boolean>")).toEqual({ kind: "record", value: { kind: "boolean" } });
  });

  it("unions are flattened and repeated members dropped", () => {
    expect(fieldType('"a" | ("b" | "a") | null | null')).toEqual({
      kind: "union",
      members: [{ kind: "literal", value: "a" }, { kind: "literal", value: "b" }, { kind: "null" }],
    });
  });

  it("a union of one member is that member", () => {
    expect(fieldType("string | string")).toEqual({ kind: "string" });
  });

  it("references to interfaces and aliases of the same file", () => {
    const model = parseModel(`
      /** A point. */
      export interface Vec2 { x: number; y: number }
      type Team = "red" | "blue";
      export interface ServerMessages { spawn: { at: Vec2; team: Team } }
    `);
    expect(model.server[0].body).toMatchObject({
      fields: [
        { name: "at", type: { kind: "ref", name: "Vec2" } },
        { name: "team", type: { kind: "ref", name: "Team" } },
      ],
    });
    expect(model.types.map((t) => [t.name, t.declaration, t.doc])).toEqual([
      ["Vec2", "interface", "A point."],
      ["Team", "alias", undefined],
    ]);
  });

  it("types imported from another protocol file, under their local name, with what they need", () => {
    const model = parseModel(
      `import type { Rect as Area } from "./geo.protocol.ts";
       export interface ClientMessages { zoom: { to: Area } }`,
      {
        "protocol/geo.protocol.ts": `
          export interface Vec2 { x: number; y: number }
          export interface Rect { min: Vec2; max: Vec2 }
          export interface Unused { z: number }`,
      },
    );
    expect(model.types.map((t) => [t.name, t.location.file])).toEqual([
      ["Area", "protocol/geo.protocol.ts"],
      ["Vec2", "protocol/geo.protocol.ts"],
    ]);
  });

  it("interfaces that extend others get the fields of both, own fields last", () => {
    const model = parseModel(`
      interface Entity { id: number; name: string }
      type Named = { label: string };
      export interface Player extends Entity, Named { name: "fixed"; score: number }
    `);
    const fields = model.types.find((t) => t.name === "Player")?.type;
    expect(fields).toMatchObject({
      kind: "object",
      fields: [{ name: "id" }, { name: "name", type: { kind: "literal", value: "fixed" } }, { name: "label" }, { name: "score" }],
    });
  });

  it("recursive types through structure", () => {
    const model = parseModel(`
      export interface Tree { children: Tree[]; parent: Tree | null }
      export type Json = string | Json[] | Record<string, Json>;
      export interface ServerMessages { t: { tree: Tree; json: Json } }
    `);
    expect(model.types.map((t) => t.name)).toEqual(["Tree", "Json"]);
  });
});

describe("model: messages", () => {
  it("holds actions per direction in order, with docs and locations", () => {
    const model = parseModel(
      [
        "/** The file. */",
        "",
        "/** From clients. */",
        "export interface ClientMessages {",
        "  /** Say hi. */",
        "  hello: { name: string };",
        "  bye: {};",
        "}",
      ].join("\n"),
    );
    expect(model).toMatchObject({
      name: "test",
      source: "protocol/test.protocol.ts",
      doc: "The file.",
      hasMessages: true,
      server: [],
    });
    expect(model.client.map((m) => [m.action, m.doc, m.location])).toEqual([
      ["hello", "Say hi.", { file: "protocol/test.protocol.ts", line: 6, column: 3 }],
      ["bye", undefined, { file: "protocol/test.protocol.ts", line: 7, column: 3 }],
    ]);
  });

  it("a message's fields may be a named object type", () => {
    const model = parseModel("interface Move { x: number }\nexport interface ClientMessages { move: Move }");
    expect(model.client[0].body).toEqual({ kind: "ref", name: "Move" });
  });

  it("ClientMessages may be a type alias, and either direction may be missing", () => {
    const model = parseModel("export type ServerMessages = { tick: { n: number } };");
    expect(model.client).toEqual([]);
    expect(model.server.map((m) => m.action)).toEqual(["tick"]);
  });

  it("a file without message interfaces is a types-only file", () => {
    expect(parseModel("export interface Vec2 { x: number }").hasMessages).toBe(false);
  });

  it("is plain data: it survives JSON unchanged", () => {
    const model = parseModel(`${INT}\nexport interface ClientMessages { a: { b: [Int, string | null]; c?: Record<string, Uint8Array> } }`);
    expect(JSON.parse(JSON.stringify(model))).toEqual(model);
  });

  it("a JSDoc at the top followed by a blank line belongs to the file, not the first declaration", () => {
    const model = parseModel("/** The file. */\n\nexport interface Vec2 { x: number }");
    expect(model.doc).toBe("The file.");
    expect(model.types[0].doc).toBeUndefined();
  });

  it("a JSDoc at the top right before an import belongs to the file", () => {
    expect(parseModel('/** The file. */\nimport type { Int } from "repod";\nexport interface A { n: Int }').doc).toBe("The file.");
  });

  it("multi-line docs keep their lines", () => {
    const model = parseModel("export interface ClientMessages {\n  /**\n   * One.\n   *\n   * Two.\n   */\n  a: {};\n}");
    expect(model.client[0].doc).toBe("One.\n\nTwo.");
  });
});

describe("model: diagnostics point at the construct", () => {
  it("names file, line and column", () => {
    expect(problems("export interface ClientMessages {\n  a: { x: any };\n}")).toEqual([
      expect.stringMatching(/^protocol\/test\.protocol\.ts:2:11: `any` is not a protocol type/),
    ]);
  });

  it("an unknown type name says how to declare or import it", () => {
    expect(problems("export interface ClientMessages { a: { v: Vec3 } }")[0]).toContain(
      'unknown type `Vec3`: declare it in this file or import it with import type { Vec3 } from "./other.protocol.ts"',
    );
  });

  it("a type named like an Object.prototype member is just unknown", () => {
    expect(problems("export interface ClientMessages { a: { v: toString } }")[0]).toContain("unknown type `toString`");
  });

  it("two imported types with one name clash", () => {
    const out = problems(
      `import type { A } from "./one.protocol.ts";
       import type { B } from "./two.protocol.ts";
       export interface ClientMessages { m: { a: A; b: B } }`,
      {
        "protocol/one.protocol.ts": "export interface P { x: number }\nexport interface A { p: P }",
        "protocol/two.protocol.ts": "export interface P { y: string }\nexport interface B { p: P }",
      },
    );
    expect(out).toEqual([expect.stringContaining("`P` clashes: protocol/one.protocol.ts declares another `P`")]);
  });
});

describe("model: requests", () => {
  it("holds each side's requests with their fields, reply, docs and locations", () => {
    const model = parseModel(
      [
        INT,
        "interface Seat { seat: Int }",
        "export interface ClientRequests {",
        "  /** Take a seat. */",
        "  join(data: { room: string }): Seat;",
        "  time(): Int;",
        "}",
        "export interface ServerRequests { confirm(data: { question: string }): boolean | null }",
      ].join("\n"),
    );
    expect(model.hasMessages).toBe(true);
    expect(model.client).toEqual([]);
    expect(model.clientRequests).toEqual([
      {
        action: "join",
        body: { kind: "object", fields: [expect.objectContaining({ name: "room", type: { kind: "string" } })] },
        reply: { kind: "ref", name: "Seat" },
        doc: "Take a seat.",
        location: { file: "protocol/test.protocol.ts", line: 5, column: 3 },
      },
      { action: "time", body: { kind: "object", fields: [] }, reply: { kind: "int" }, location: { file: "protocol/test.protocol.ts", line: 6, column: 3 } },
    ]);
    expect(model.serverRequests.map((r) => [r.action, r.reply])).toEqual([["confirm", { kind: "union", members: [{ kind: "boolean" }, { kind: "null" }] }]]);
    expect(model.types.map((t) => t.name)).toEqual(["Seat"]);
    expect(JSON.parse(JSON.stringify(model))).toEqual(model);
  });
});
