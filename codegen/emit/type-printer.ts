/**
 * Prints model field types as TypeScript: on one line when that fits and no
 * field has a doc, expanded one field per line otherwise.
 *
 * @example
 * ```ts
 * printType({ kind: "array", readonly: false, element: { kind: "union",
 *   members: [{ kind: "string" }, { kind: "null" }] } }, ctx, 0); // "(string | null)[]"
 * ```
 */
import type { FieldModel, FieldType, ObjectType } from "../model.ts";
import type { EmitContext } from "./context.ts";
import { docLines } from "./writer.ts";

/** Lines longer than this are expanded where they can be. */
export const MAX_LINE = 100;

/**
 * Prints `type` for a position `column` characters into a line indented
 * `indent` characters; continuation lines are indented relative to `indent`.
 */
export function printType(type: FieldType, ctx: EmitContext, indent: number, column = indent): string {
  const inline = printInline(type, ctx);
  if (inline !== undefined && column + inline.length <= MAX_LINE) return inline;
  return printExpanded(type, ctx, indent, column);
}

/** One line, or `undefined` when the type holds docs (which need lines of their own). */
function printInline(type: FieldType, ctx: EmitContext): string | undefined {
  switch (type.kind) {
    case "string":
    case "number":
    case "boolean":
    case "null":
      return type.kind;
    case "int":
      return ctx.runtime("Int");
    case "bytes":
      return "Uint8Array";
    case "literal":
      return JSON.stringify(type.value);
    case "ref":
      return type.name;
    case "array": {
      const element = printInline(type.element, ctx);
      return element === undefined ? undefined : arrayOf(element, type.element, type.readonly);
    }
    case "tuple": {
      const elements = type.elements.map((e) => {
        const printed = printInline(e.type, ctx);
        return printed === undefined ? undefined : e.label === undefined ? printed : `${e.label}: ${printed}`;
      });
      if (elements.some((e) => e === undefined)) return undefined;
      return `${type.readonly ? "readonly " : ""}[${elements.join(", ")}]`;
    }
    case "record": {
      const value = printInline(type.value, ctx);
      return value === undefined ? undefined : recordOf(value, type.value);
    }
    case "union": {
      const members = type.members.map((m) => printInline(m, ctx));
      return members.some((m) => m === undefined) ? undefined : members.join(" | ");
    }
    case "object": {
      if (type.fields.length === 0) return "{}";
      if (type.fields.some((f) => f.doc !== undefined)) return undefined;
      const fields = type.fields.map((f) => {
        const printed = printInline(f.type, ctx);
        return printed === undefined ? undefined : `${fieldPrefix(f)}${printed}`;
      });
      return fields.some((f) => f === undefined) ? undefined : `{ ${fields.join("; ")} }`;
    }
  }
}

function printExpanded(type: FieldType, ctx: EmitContext, indent: number, column: number): string {
  const pad = " ".repeat(indent + 2);
  switch (type.kind) {
    case "object":
      return `{\n${printFields(type, ctx, indent + 2)}${" ".repeat(indent)}}`;
    case "array": {
      const element = printType(type.element, ctx, indent, column);
      return arrayOf(element, type.element, type.readonly);
    }
    case "tuple": {
      const elements = type.elements
        .map((e) => {
          const label = e.label === undefined ? "" : `${e.label}: `;
          return `${pad}${label}${printType(e.type, ctx, indent + 2, indent + 2 + label.length)},\n`;
        })
        .join("");
      return `${type.readonly ? "readonly " : ""}[\n${elements}${" ".repeat(indent)}]`;
    }
    case "record":
      return recordOf(printType(type.value, ctx, indent, column + 16), type.value);
    case "union": {
      const members = type.members.map((m) => printType(m, ctx, indent, column));
      if (members.every((m) => !m.includes("\n"))) {
        return `\n${members.map((m) => `${pad}| ${m}`).join("\n")}`;
      }
      return members.join(" | ");
    }
    default:
      return printInline(type, ctx) ?? "";
  }
}

/** The fields of an object type, one per line (with docs) at `indent`, each ending in `;\n`. */
export function printFields(type: ObjectType, ctx: EmitContext, indent: number): string {
  const pad = " ".repeat(indent);
  return type.fields
    .map((f) => {
      const doc = docLines(f.doc)
        .map((line) => `${pad}${line}\n`)
        .join("");
      const prefix = fieldPrefix(f);
      return `${doc}${pad}${prefix}${printType(f.type, ctx, indent, indent + prefix.length)};\n`;
    })
    .join("");
}

function fieldPrefix(field: FieldModel): string {
  return `${field.readonly ? "readonly " : ""}${field.name}${field.optional ? "?" : ""}: `;
}

/**
 * `Record<string, T>`, or `{ [key: string]: T }` when T names a type: a type
 * alias may refer to itself through an index signature (`type Json = ... |
 * { [key: string]: Json }`) but not through `Record`.
 */
function recordOf(value: string, type: FieldType): string {
  return containsRef(type) ? `{ [key: string]: ${value} }` : `Record<string, ${value}>`;
}

function containsRef(type: FieldType): boolean {
  switch (type.kind) {
    case "ref":
      return true;
    case "array":
      return containsRef(type.element);
    case "record":
      return containsRef(type.value);
    case "tuple":
      return type.elements.some((e) => containsRef(e.type));
    case "union":
      return type.members.some(containsRef);
    case "object":
      return type.fields.some((f) => containsRef(f.type));
    default:
      return false;
  }
}

function arrayOf(element: string, type: FieldType, readonly: boolean): string {
  const wrapped = type.kind === "union" || (type.kind === "tuple" && type.readonly) || (type.kind === "array" && type.readonly) ? `(${element})` : element;
  return `${readonly ? "readonly " : ""}${wrapped}[]`;
}
