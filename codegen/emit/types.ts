/**
 * Emits the protocol's named types, exported, with their JSDoc.
 *
 * Input: `/** A point. *\/ interface Vec2 { x: number; y: number }` and `type Team = "red" | "blue"`.
 * Output:
 * ```ts
 * /** A point. *\/
 * export interface Vec2 {
 *   x: number;
 *   y: number;
 * }
 *
 * export type Team = "red" | "blue";
 * ```
 */
import type { NamedTypeModel } from "../model.ts";
import type { EmitContext } from "./context.ts";
import { printFields, printType } from "./type-printer.ts";
import type { CodeWriter } from "./writer.ts";

/** Writes every named type of the model. */
export function emitNamedTypes(ctx: EmitContext, w: CodeWriter): void {
  for (const type of ctx.model.types) {
    w.blank();
    if (type.location.file !== ctx.model.source) w.line(`// from ${type.location.file}`);
    w.doc(type.doc);
    emitNamedType(ctx, w, type);
  }
}

function emitNamedType(ctx: EmitContext, w: CodeWriter, type: NamedTypeModel): void {
  if (type.declaration === "interface" && type.type.kind === "object") {
    if (type.type.fields.length === 0) {
      w.line(`export interface ${type.name} {}`);
      return;
    }
    w.line(`export interface ${type.name} {`);
    w.line(printFields(type.type, ctx, 2).replace(/\n$/, ""));
    w.line("}");
    return;
  }
  const prefix = `export type ${type.name} = `;
  w.line(`${prefix}${printType(type.type, ctx, 0, prefix.length)};`);
}
