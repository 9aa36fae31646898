/**
 * A logged message as the protocol file declares it: each field with its
 * declared type (`score: 12 Int`, `team: "red" Team`, `at: [2] [number,
 * number]`), read from the schema the generator writes into the protocol's
 * descriptor. Only the few messages of the recent-message log are described,
 * so this costs nothing per message.
 *
 * @example
 * ```ts
 * declaredView({ dir: "up" }, schema.client.move, schema.types);
 * // { type: "…", children: [{ name: "dir", type: "Direction", value: '"up"' }] }
 * ```
 */
import { typeText as compatTypeText } from "../compat/rules.ts";
import type { SchemaType } from "../compat/schema.ts";

/** One value of a logged message, for the page: its declared type and its value or parts. */
export interface DeclaredView {
  /** The field's name, or `[i]` for an element. */
  name?: string;
  /** The declared type as the protocol file writes it (`Int`, `Team`, `string[]`); the kind of the value when nothing is declared. */
  type: string;
  /** A scalar as text (`"red"`, `12`, `true`, bytes in hex). */
  value?: string;
  /** Fields, elements or entries. */
  children?: DeclaredView[];
  /** Something the declaration does not say: an undeclared field, a value of another kind, a cut. */
  note?: string;
}

type Types = Readonly<Record<string, SchemaType>>;

const MAX_TYPE_TEXT = 80;

/** The view of a message's fields (its `action` left out) against the declared type of its body; `type` undefined: untyped, the values' kinds. */
export function declaredView(message: unknown, type: SchemaType | undefined, types: Types): DeclaredView {
  const body = message !== null && typeof message === "object" && !Array.isArray(message) ? { ...(message as Record<string, unknown>) } : message;
  if (body !== null && typeof body === "object" && !Array.isArray(body)) delete (body as Record<string, unknown>).action;
  return view(body, type, types, 0);
}

/** The declared type as text, as the protocol file would write it (nested objects folded, cut when long). */
export function typeText(type: SchemaType): string {
  const text = compatTypeText(type, 0, 0);
  return text.length > MAX_TYPE_TEXT ? `${text.slice(0, MAX_TYPE_TEXT - 1)}…` : text;
}

/** Follows references to what they name (a few levels at most: a type may refer to itself). */
function resolve(type: SchemaType, types: Types): SchemaType | undefined {
  let at: SchemaType | undefined = type;
  for (let hops = 0; at?.kind === "ref" && hops < 16; hops++) at = types[at.name];
  return at?.kind === "ref" ? undefined : at;
}

function view(value: unknown, declared: SchemaType | undefined, types: Types, depth: number): DeclaredView {
  if (declared === undefined) return untyped(value, depth);
  const shown = declared.kind === "object" && depth === 0 ? "" : typeText(declared);
  const type = resolve(declared, types);
  if (type === undefined) return typed(untyped(value, depth), shown);
  const chosen = type.kind === "union" ? (type.members.map((m) => resolve(m, types)).find((m) => m !== undefined && fits(value, m, types)) ?? type) : type;
  if (isCut(value)) return { type: shown, note: (value as { $cut: string }).$cut };
  switch (chosen.kind) {
    case "object": {
      if (!isPlainObject(value)) return mismatch(value, shown, depth);
      const record = value as Record<string, unknown>;
      const children: DeclaredView[] = [];
      for (const field of chosen.fields) {
        if (!(field.name in record)) continue;
        children.push(named(view(record[field.name], field.type, types, depth + 1), field.name));
      }
      for (const key of Object.keys(record)) {
        if (key === "$cut") children.push({ type: "", note: String(record[key]) });
        else if (!declaresField(chosen.fields, key)) children.push(noted(named(untyped(record[key], depth + 1), key), "undeclared"));
      }
      return { type: shown, children };
    }
    case "array":
    case "tuple": {
      if (!Array.isArray(value)) return mismatch(value, shown, depth);
      const children = value.map((item, i) => {
        if (isCut(item)) return { type: "", note: (item as { $cut: string }).$cut };
        const element = chosen.kind === "array" ? chosen.element : chosen.elements[i]?.type;
        return named(view(item, element, types, depth + 1), `[${i}]`);
      });
      return { type: shown, children };
    }
    case "record": {
      if (!isPlainObject(value)) return mismatch(value, shown, depth);
      const children = Object.entries(value as Record<string, unknown>).map(([key, item]) =>
        key === "$cut" ? { type: "", note: String(item) } : named(view(item, chosen.value, types, depth + 1), key),
      );
      return { type: shown, children };
    }
    case "union":
      return noted(typed(untyped(value, depth), shown), "fits no member");
    default:
      return fits(value, chosen, types) ? { type: shown, value: scalarText(value) } : mismatch(value, shown, depth);
  }
}

/** True when `value` (as the page gets it: bytes as `{$bytes}`) could be of `type`; objects are judged by their fields' presence and literals. */
function fits(value: unknown, type: SchemaType, types: Types): boolean {
  switch (type.kind) {
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" || isTagged(value, "$number");
    case "int":
      return (typeof value === "number" && Number.isInteger(value)) || isTagged(value, "$bigint");
    case "boolean":
      return typeof value === "boolean";
    case "null":
      return value === null;
    case "bytes":
      return isTagged(value, "$bytes");
    case "literal":
      return value === type.value;
    case "array":
      return Array.isArray(value);
    case "tuple":
      return Array.isArray(value) && value.length === type.elements.length;
    case "record":
      return isPlainObject(value);
    case "object": {
      if (!isPlainObject(value)) return false;
      const record = value as Record<string, unknown>;
      return type.fields.every((field) => {
        if (!(field.name in record)) return field.optional === true;
        const fieldType = resolve(field.type, types);
        // A discriminant (a literal field) must match; other fields only need to be there.
        return fieldType?.kind === "literal" ? record[field.name] === fieldType.value : true;
      });
    }
    case "union":
      return type.members.some((m) => {
        const member = resolve(m, types);
        return member !== undefined && fits(value, member, types);
      });
    case "ref": {
      const target = resolve(type, types);
      return target !== undefined && fits(value, target, types);
    }
  }
}

function mismatch(value: unknown, shown: string, depth: number): DeclaredView {
  const got = untyped(value, depth);
  const kind = got.type;
  return noted(typed(got, shown), `got ${kind}`);
}

/** A value with no declaration: shown with its kind, as msgpack decoded it. */
function untyped(value: unknown, depth: number): DeclaredView {
  if (value === null) return { type: "null", value: "null" };
  if (typeof value === "string") return { type: "string", value: JSON.stringify(value) };
  if (typeof value === "number") return { type: Number.isInteger(value) ? "integer" : "number", value: String(value) };
  if (typeof value === "boolean") return { type: "boolean", value: String(value) };
  if (Array.isArray(value)) {
    return {
      type: `array of ${value.length}`,
      children: value.map((item, i) => (isCut(item) ? { type: "", note: (item as { $cut: string }).$cut } : named(untyped(item, depth + 1), `[${i}]`))),
    };
  }
  if (isTagged(value, "$bytes")) return { type: "bytes", value: String((value as { $bytes: string }).$bytes) };
  if (isTagged(value, "$bigint")) return { type: "bigint", value: String((value as { $bigint: string }).$bigint) };
  if (isTagged(value, "$number")) return { type: "number", value: String((value as { $number: string }).$number) };
  if (isCut(value)) return { type: "", note: (value as { $cut: string }).$cut };
  if (isPlainObject(value)) {
    return {
      type: depth === 0 ? "" : "object",
      children: Object.entries(value as Record<string, unknown>).map(([key, item]) =>
        key === "$cut" ? { type: "", note: String(item) } : named(untyped(item, depth + 1), key),
      ),
    };
  }
  return { type: typeof value, value: String(value) };
}

// Views are made fresh by each call: setting a field on the one returned is cheaper than copying it.
function named(view: DeclaredView, name: string): DeclaredView {
  view.name = name;
  return view;
}

function typed(view: DeclaredView, type: string): DeclaredView {
  view.type = type;
  return view;
}

function noted(view: DeclaredView, note: string): DeclaredView {
  view.note = note;
  return view;
}

function declaresField(fields: readonly { readonly name: string }[], name: string): boolean {
  for (const field of fields) if (field.name === name) return true;
  return false;
}

function scalarText(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value !== null && typeof value === "object") {
    const tagged = value as Record<string, unknown>;
    return String(tagged.$bytes ?? tagged.$bigint ?? tagged.$number ?? "");
  }
  return String(value);
}

function isPlainObject(value: unknown): boolean {
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    !isTagged(value, "$bytes") &&
    !isTagged(value, "$bigint") &&
    !isTagged(value, "$number")
  );
}

function isTagged(value: unknown, tag: string): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value) && tag in value && Object.keys(value).length === 1;
}

function isCut(value: unknown): boolean {
  return isTagged(value, "$cut");
}
