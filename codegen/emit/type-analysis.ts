/**
 * Questions the validator emitter asks about a field type, answered through
 * named types (with a guard against recursive ones): can it be checked by one
 * expression, which kinds of msgpack value can it be, and how an error
 * message names what was expected.
 */
import type { FieldType, NamedTypeModel } from "../model.ts";

/** The kinds of decoded msgpack value, in the order unions test them. */
export const CATEGORIES = ["string", "number", "boolean", "null", "bytes", "array", "object"] as const;

/** One kind of decoded msgpack value. */
export type Category = (typeof CATEGORIES)[number];

/** Named types by name. */
export type TypeMap = ReadonlyMap<string, NamedTypeModel>;

/** The type a reference stands for (never another reference: aliases of aliases are followed). */
export function resolve(type: FieldType, types: TypeMap, seen = new Set<string>()): FieldType {
  if (type.kind !== "ref" || seen.has(type.name)) return type;
  seen.add(type.name);
  const target = types.get(type.name);
  return target === undefined ? type : resolve(target.type, types, seen);
}

/** Whether one boolean expression checks `type` completely (primitives, literals, bytes and unions of them). */
export function isSimple(type: FieldType, types: TypeMap, seen = new Set<string>()): boolean {
  switch (type.kind) {
    case "string":
    case "number":
    case "int":
    case "boolean":
    case "null":
    case "bytes":
    case "literal":
      return true;
    case "union":
      return type.members.every((m) => isSimple(m, types, seen));
    case "ref": {
      if (seen.has(type.name)) return false;
      seen.add(type.name);
      const target = types.get(type.name);
      return target !== undefined && isSimple(target.type, types, seen);
    }
    default:
      return false;
  }
}

/** The kinds of value `type` accepts some of. */
export function categories(type: FieldType, types: TypeMap, seen = new Set<string>()): Set<Category> {
  switch (type.kind) {
    case "string":
    case "number":
    case "boolean":
    case "null":
    case "bytes":
      return new Set([type.kind]);
    case "int":
      return new Set(["number"]);
    case "literal":
      return new Set([typeof type.value as "string" | "number" | "boolean"]);
    case "array":
    case "tuple":
      return new Set(["array"]);
    case "object":
    case "record":
      return new Set(["object"]);
    case "union":
      return new Set(type.members.flatMap((m) => [...categories(m, types, seen)]));
    case "ref": {
      if (seen.has(type.name)) return new Set();
      seen.add(type.name);
      const target = types.get(type.name);
      return target === undefined ? new Set() : categories(target.type, types, seen);
    }
  }
}

/** How an error message names what `type` expects: `string`, `"a" | "b"`, `tuple of 2`, `integer`. */
export function expected(type: FieldType, types: TypeMap): string {
  return [...new Set(expectedParts(type, types, new Set()))].join(" | ");
}

function expectedParts(type: FieldType, types: TypeMap, seen: Set<string>): string[] {
  switch (type.kind) {
    case "int":
      return ["integer"];
    case "literal":
      return [JSON.stringify(type.value)];
    case "tuple":
      return [`tuple of ${type.elements.length}`];
    case "record":
      return ["object"];
    case "union":
      return type.members.flatMap((m) => expectedParts(m, types, seen));
    case "ref": {
      const target = types.get(type.name);
      if (target === undefined || seen.has(type.name)) return [type.name];
      seen.add(type.name);
      const parts = expectedParts(target.type, types, seen);
      seen.delete(type.name);
      return parts;
    }
    default:
      return [type.kind];
  }
}

/** Whether an error about `type` should show a received primitive's value (it expects literals). */
export function expectsLiteral(type: FieldType, types: TypeMap, seen = new Set<string>()): boolean {
  switch (type.kind) {
    case "literal":
      return true;
    case "union":
      return type.members.some((m) => expectsLiteral(m, types, seen));
    case "ref": {
      if (seen.has(type.name)) return false;
      seen.add(type.name);
      const target = types.get(type.name);
      return target !== undefined && expectsLiteral(target.type, types, seen);
    }
    default:
      return false;
  }
}

/** The literal values a type is limited to, or `undefined` when it accepts other values too. */
export function literalValues(type: FieldType, types: TypeMap): (string | number | boolean)[] | undefined {
  const resolved = resolve(type, types);
  if (resolved.kind === "literal") return [resolved.value];
  if (resolved.kind !== "union") return undefined;
  const values: (string | number | boolean)[] = [];
  for (const member of resolved.members) {
    const inner = literalValues(member, types);
    if (inner === undefined) return undefined;
    values.push(...inner);
  }
  return values;
}
