/**
 * The compatibility rules: can a reader built from one version of a message
 * read everything a writer built from another version may send? The server
 * applies them at the handshake (to a client whose protocol differs) and
 * `repod breaking` applies them to two versions of a protocol file; both
 * see the same problems.
 *
 * A reader accepts what its validator accepts: every field it requires
 * present, every value of the types it declares, and any extra key (extra
 * keys are how optional fields are added). So, from the writer's type `w` to
 * the reader's type `r`:
 *
 * - a field `r` requires that `w` may leave out (absent, or optional) breaks: `FIELD_REQUIRED`;
 * - a value `w` may send that `r`'s union or literal leaves out breaks: `VALUES_NARROWED`;
 * - any other change of type breaks (`Int` to `number` is a widening, not a change): `FIELD_RETYPED`;
 * - a field `w` sends that `r` does not declare, a union member `r` adds, a
 *   field that becomes optional in `r`: all fine.
 *
 * @example
 * ```ts
 * readProblems({ kind: "object", fields: [] }, {}, { kind: "object", fields: [{ name: "x", type: { kind: "number" } }] }, {});
 * // [{ rule: "FIELD_REQUIRED", path: "x", writes: "nothing", reads: "number", … }]
 * ```
 *
 * The generator reads them from `repod/compat` (see index.ts): one copy for both.
 */
import type { SchemaField, SchemaType } from "./schema.ts";

/** The rules a pair of message versions can break. */
export const COMPAT_RULES = {
  /** The reader requires a field the writer may leave out (a required field added, or an optional one made required). */
  FIELD_REQUIRED: "FIELD_REQUIRED",
  /** The writer may send a literal or union member the reader's type leaves out (a union narrowed). */
  VALUES_NARROWED: "VALUES_NARROWED",
  /** The field's type changed into one the reader cannot read from the writer. */
  FIELD_RETYPED: "FIELD_RETYPED",
} as const;

/** A rule of {@link COMPAT_RULES}. */
export type CompatRule = (typeof COMPAT_RULES)[keyof typeof COMPAT_RULES];

/** One place where a reader cannot read what a writer may send. */
export interface ReadProblem {
  readonly rule: CompatRule;
  /** Where, from the message: `dir`, `players[].x`, `pos[1]`; "" for the message itself. */
  readonly path: string;
  /** What the writer may send there, as type text (`"nothing"` for an absent field). */
  readonly writes: string;
  /** What the reader accepts there, as type text. */
  readonly reads: string;
  /** The innermost field on each side (the generator's model passes its own, with source locations). */
  readonly writerField?: SchemaField | undefined;
  readonly readerField?: SchemaField | undefined;
}

type Types = Readonly<Record<string, SchemaType>>;

interface Walk {
  readonly wTypes: Types;
  readonly rTypes: Types;
  /** Pairs of named types being compared: a recursive type is compatible unless something else says not. */
  readonly seen: Set<string>;
  readonly out: ReadProblem[];
}

/**
 * Every place where a reader of type `reader` (named types in `readerTypes`)
 * cannot read a value of type `writer` (named types in `writerTypes`).
 * Empty when it always can.
 */
export function readProblems(writer: SchemaType, writerTypes: Types, reader: SchemaType, readerTypes: Types): ReadProblem[] {
  const walk: Walk = { wTypes: writerTypes, rTypes: readerTypes, seen: new Set(), out: [] };
  check(walk, writer, reader, "", undefined, undefined);
  return walk.out;
}

function check(walk: Walk, w: SchemaType, r: SchemaType, path: string, wf: SchemaField | undefined, rf: SchemaField | undefined): void {
  if (w.kind === "ref" && r.kind === "ref") {
    const key = `${w.name}\u0000${r.name}`;
    if (walk.seen.has(key)) return;
    walk.seen.add(key);
  }
  const wt = resolve(w, walk.wTypes);
  const rt = resolve(r, walk.rTypes);
  const problem = (rule: CompatRule): void => {
    walk.out.push({ rule, path, writes: typeText(w), reads: typeText(r), writerField: wf, readerField: rf });
  };
  if (wt === undefined || rt === undefined) return problem(COMPAT_RULES.FIELD_RETYPED);

  if (wt.kind === "union" || (wt.kind === "boolean" && rt.kind === "union")) {
    const members: SchemaType[] =
      wt.kind === "union"
        ? [...wt.members]
        : [
            { kind: "literal", value: true },
            { kind: "literal", value: false },
          ];
    const refused = members.filter((m) => !accepts(walk, m, rt));
    if (refused.length === 0) return;
    // One member refused whose counterpart is plain to see: say what inside it breaks.
    if (refused.length === 1 && rt.kind !== "union" && !isScalar(resolve(refused[0]!, walk.wTypes))) {
      return check(walk, refused[0]!, r, path, wf, rf);
    }
    const narrowed = refused.every((m) => sameFamily(resolve(m, walk.wTypes), rt, walk.rTypes));
    walk.out.push({
      rule: narrowed ? COMPAT_RULES.VALUES_NARROWED : COMPAT_RULES.FIELD_RETYPED,
      path,
      writes: refused.map((t) => typeText(t)).join(" | "),
      reads: typeText(r),
      writerField: wf,
      readerField: rf,
    });
    return;
  }
  if (rt.kind === "union") {
    if (rt.members.some((m) => accepts(walk, wt, m))) return;
    // The one member of the same shape, if there is one, tells what breaks inside it.
    const same = rt.members.filter((m) => sameShape(wt, resolve(m, walk.rTypes)));
    if (same.length === 1) return check(walk, w, same[0]!, path, wf, rf);
    return problem(sameFamily(wt, rt, walk.rTypes) ? COMPAT_RULES.VALUES_NARROWED : COMPAT_RULES.FIELD_RETYPED);
  }

  switch (wt.kind) {
    case "literal":
      if (rt.kind === "literal") {
        if (rt.value !== wt.value) problem(COMPAT_RULES.VALUES_NARROWED);
        return;
      }
      if (!literalFits(wt.value, rt.kind)) problem(COMPAT_RULES.FIELD_RETYPED);
      return;
    case "array":
      if (rt.kind !== "array") return problem(COMPAT_RULES.FIELD_RETYPED);
      return check(walk, wt.element, rt.element, `${path}[]`, wf, rf);
    case "tuple":
      if (rt.kind === "array") {
        wt.elements.forEach((e, i) => check(walk, e.type, rt.element, `${path}[${i}]`, wf, rf));
        return;
      }
      if (rt.kind !== "tuple" || rt.elements.length !== wt.elements.length) return problem(COMPAT_RULES.FIELD_RETYPED);
      wt.elements.forEach((e, i) => check(walk, e.type, rt.elements[i]!.type, `${path}[${i}]`, wf, rf));
      return;
    case "record":
      if (rt.kind === "record") return check(walk, wt.value, rt.value, `${path}[key]`, wf, rf);
      if (rt.kind !== "object") return problem(COMPAT_RULES.FIELD_RETYPED);
      for (const field of rt.fields) {
        const at = join(path, field.name);
        if (field.optional !== true) {
          walk.out.push({ rule: COMPAT_RULES.FIELD_REQUIRED, path: at, writes: "nothing", reads: typeText(field.type), writerField: wf, readerField: field });
        } else {
          check(walk, wt.value, field.type, at, wf, field);
        }
      }
      return;
    case "object":
      if (rt.kind === "record") {
        for (const field of wt.fields) check(walk, field.type, rt.value, join(path, field.name), field, rf);
        return;
      }
      if (rt.kind !== "object") return problem(COMPAT_RULES.FIELD_RETYPED);
      for (const readerField of rt.fields) {
        const at = join(path, readerField.name);
        const writerField = wt.fields.find((f) => f.name === readerField.name);
        const required = readerField.optional !== true;
        if (writerField === undefined || (required && writerField.optional === true)) {
          if (required) {
            walk.out.push({
              rule: COMPAT_RULES.FIELD_REQUIRED,
              path: at,
              writes: writerField === undefined ? "nothing" : `${typeText(writerField.type)} (optional)`,
              reads: typeText(readerField.type),
              writerField,
              readerField,
            });
          }
          if (writerField === undefined) continue;
        }
        check(walk, writerField.type, readerField.type, at, writerField, readerField);
      }
      return;
    case "int":
      if (rt.kind !== "int" && rt.kind !== "number") problem(COMPAT_RULES.FIELD_RETYPED);
      return;
    default:
      if (rt.kind !== wt.kind) problem(COMPAT_RULES.FIELD_RETYPED);
  }
}

/** True when a reader of `r` accepts every value of `w`. */
function accepts(walk: Walk, w: SchemaType, r: SchemaType): boolean {
  const trial: Walk = { ...walk, seen: new Set(walk.seen), out: [] };
  check(trial, w, r, "", undefined, undefined);
  return trial.out.length === 0;
}

function resolve(type: SchemaType, types: Types): Exclude<SchemaType, { kind: "ref" }> | undefined {
  let current: SchemaType | undefined = type;
  for (let hops = 0; current !== undefined && current.kind === "ref"; hops++) {
    if (hops > 64) return undefined; // an alias of itself: the generator refuses it; never loop
    current = types[current.name];
  }
  return current;
}

function literalFits(value: string | number | boolean, kind: string): boolean {
  switch (typeof value) {
    case "string":
      return kind === "string";
    case "boolean":
      return kind === "boolean";
    default:
      return kind === "number" || (kind === "int" && Number.isInteger(value));
  }
}

/**
 * True when the writer's literal is of a kind the reader still takes, only
 * not that value (`"c"` against `"a" | "b"`): a narrowing, not a new type.
 */
function sameFamily(w: SchemaType | undefined, r: SchemaType, rTypes: Types): boolean {
  if (w?.kind !== "literal") return false;
  const members = r.kind === "union" ? r.members : [r];
  return members.some((m) => {
    const t = resolve(m, rTypes);
    return t?.kind === "literal" && typeof t.value === typeof w.value;
  });
}

function isScalar(type: SchemaType | undefined): boolean {
  return type === undefined || !(type.kind === "object" || type.kind === "record" || type.kind === "array" || type.kind === "tuple");
}

/** Two types a reader would tell apart by the kind of value (a map, an array, a scalar). */
function sameShape(a: SchemaType, b: SchemaType | undefined): boolean {
  if (b === undefined) return false;
  const shape = (t: SchemaType): string => (t.kind === "object" || t.kind === "record" ? "map" : t.kind === "array" || t.kind === "tuple" ? "array" : t.kind);
  return shape(a) === shape(b);
}

function join(path: string, name: string): string {
  return path === "" ? name : `${path}.${name}`;
}

/**
 * A short TypeScript-like text of a type, for messages: `"a" | "b"`, `Int`,
 * `{ x: number; y?: string }`. Objects nested deeper than `objectDepth` are
 * written `{ … }` (or `{}` when they have no field).
 */
export function typeText(type: SchemaType, depth = 0, objectDepth = 1): string {
  switch (type.kind) {
    case "int":
      return "Int";
    case "bytes":
      return "Uint8Array";
    case "literal":
      return JSON.stringify(type.value);
    case "array": {
      const inner = typeText(type.element, depth + 1, objectDepth);
      return type.element.kind === "union" ? `(${inner})[]` : `${inner}[]`;
    }
    case "tuple":
      return `[${type.elements.map((e) => typeText(e.type, depth + 1, objectDepth)).join(", ")}]`;
    case "object":
      if (depth > objectDepth) return type.fields.length === 0 ? "{}" : "{ … }";
      return type.fields.length === 0
        ? "{}"
        : `{ ${type.fields.map((f) => `${f.name}${f.optional === true ? "?" : ""}: ${typeText(f.type, depth + 1, objectDepth)}`).join("; ")} }`;
    case "record":
      return `Record<string, ${typeText(type.value, depth + 1, objectDepth)}>`;
    case "union":
      return type.members.map((m) => typeText(m, depth + 1, objectDepth)).join(" | ");
    case "ref":
      return type.name;
    default:
      return type.kind;
  }
}
