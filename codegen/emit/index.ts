/**
 * The emit stage: one protocol model in, the text of its generated file
 * out. Reads top to bottom: header, named types, message types, then (for a
 * file with messages) validators, descriptor and classes; the runtime import
 * is written last, above them, once every emitter has said what it uses.
 */
import type { ProtocolModel } from "../model.ts";
import { emitClasses } from "./classes.ts";
import { EmitContext } from "./context.ts";
import { emitDescriptor } from "./descriptor.ts";
import { emitHeader } from "./header.ts";
import { emitMessageTypes, emitRequestTypes } from "./messages.ts";
import { emitNamedTypes } from "./types.ts";
import { emitValidators } from "./validators.ts";
import { CodeWriter } from "./writer.ts";

/** The text of the generated file for `model`. */
export function emitProtocol(model: ProtocolModel): string {
  const ctx = new EmitContext(model);
  const body = new CodeWriter();
  emitNamedTypes(ctx, body);
  if (model.hasMessages) {
    emitMessageTypes(ctx, body);
    emitRequestTypes(ctx, body);
    const validators = emitValidators(ctx, body);
    emitDescriptor(ctx, body, validators);
    emitClasses(ctx, body);
  }

  const top = new CodeWriter();
  top.line(emitHeader(model.source).trimEnd());
  if (model.doc !== undefined) {
    top.blank();
    top.doc(model.doc);
  }
  const imports = ctx.importStatement();
  if (imports !== undefined) {
    top.blank();
    top.line(imports);
  }
  top.blank();
  const text = `${top}${body}`.replace(/\n{3,}/g, "\n\n");
  // Trailing spaces come from expanded unions after `name: `; formatted output has none.
  return `${text.replace(/[ \t]+$/gm, "").trimEnd()}\n`;
}
