/**
 * The parse stage: protocol files in, plain models and diagnostics out. The
 * only part of the generator that touches ts-morph.
 *
 * @example
 * ```ts
 * const { protocols, diagnostics } = parseProtocols(["protocol/chat.protocol.ts"]);
 * protocols[0].client.map((m) => m.action); // ["nickname", "message"]
 * ```
 */
import { type Diagnostic, sortDiagnostics } from "../diagnostics.ts";
import type { ProtocolModel } from "../model.ts";
import { PROTOCOL_SUFFIX, protocolNameOf } from "../naming.ts";
import { ParseContext, type ParseOptions } from "./context.ts";
import { parseProtocolFile } from "./protocol-file.ts";
import { Resolver } from "./scope.ts";

export type { ParseOptions } from "./context.ts";

/** What the parse stage found. */
export interface ParseResult {
  /** One model per protocol file without problems, in the order of the input files. */
  readonly protocols: readonly ProtocolModel[];
  /** Every problem of every file, sorted by file, line and column. */
  readonly diagnostics: readonly Diagnostic[];
}

/** Parses protocol files (paths relative to `options.cwd`, or absolute). */
export function parseProtocols(files: readonly string[], options: ParseOptions = {}): ParseResult {
  const ctx = new ParseContext(options);
  const resolver = new Resolver(ctx);
  const protocols: ProtocolModel[] = [];
  const byName = new Map<string, string>();
  for (const file of files) {
    const absolute = ctx.absolute(file);
    const relative = ctx.relative(absolute);
    const at = { file: relative, line: 1, column: 1 };
    if (!absolute.endsWith(PROTOCOL_SUFFIX)) {
      ctx.reportAt(at, "BAD_INPUT", `protocol files are named <name>${PROTOCOL_SUFFIX}: rename the file`);
      continue;
    }
    const sourceFile = ctx.load(absolute);
    if (sourceFile === undefined) {
      ctx.reportAt(at, "BAD_INPUT", "cannot read this file");
      continue;
    }
    const name = protocolNameOf(relative);
    const other = byName.get(name);
    if (other !== undefined) {
      if (other !== relative) {
        ctx.reportAt(at, "DUPLICATE", `${other} has the same protocol name \`${name}\`, and both would generate ${name}.ts: rename one`);
      }
      continue;
    }
    byName.set(name, relative);
    const model = parseProtocolFile(ctx, resolver, sourceFile);
    if (model !== undefined) protocols.push(model);
  }
  return { protocols, diagnostics: sortDiagnostics(ctx.diagnostics) };
}
