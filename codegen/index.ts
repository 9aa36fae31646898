/**
 * repod's code generator: protocol files in, typed TypeScript SDK files out.
 *
 * ```
 * protocol/chat.protocol.ts --parse--> ProtocolModel --emit--> generated/chat.ts
 * ```
 *
 * @example
 * ```ts
 * import { generate } from "./codegen/index.ts";
 * for (const file of generate(["protocol/chat.protocol.ts"], { outDir: "generated" })) {
 *   await writeFile(file.path, file.text); // generated/chat.ts
 * }
 * ```
 */
import path from "node:path";
import { CodegenError } from "./diagnostics.ts";
import { emitProtocol } from "./emit/index.ts";
import type { ProtocolModel } from "./model.ts";
import { type ParseOptions, parseProtocols } from "./parse/index.ts";

export { CodegenError, DIAGNOSTIC_CODES, type Diagnostic, type DiagnosticCode, formatDiagnostic } from "./diagnostics.ts";
export { GENERATED_MARKER, sourceOfGenerated } from "./emit/header.ts";
export { emitProtocol } from "./emit/index.ts";
export { canonicalModel, fingerprint } from "./fingerprint.ts";
export type * from "./model.ts";
export { type ParseResult, parseProtocols } from "./parse/index.ts";

/** Options of {@link generate}. */
export interface GenerateOptions extends ParseOptions {
  /**
   * Directory the generated files go to, relative to `cwd`: `<outDir>/<name>.ts`.
   * @default "generated"
   */
  readonly outDir?: string;
}

/** One generated file. */
export interface GeneratedFile {
  /** Where it goes, relative to `cwd`, with `/` separators: `generated/chat.ts`. */
  readonly path: string;
  /** The protocol file it comes from, relative to `cwd`. */
  readonly source: string;
  /** Its content (deterministic: the same input gives the same text). */
  readonly text: string;
  /** The model it was emitted from. */
  readonly model: ProtocolModel;
}

/**
 * Generates the SDK file of each protocol file. Throws a {@link CodegenError}
 * carrying every problem of every file when any file has one (and then
 * generates nothing).
 */
export function generate(files: readonly string[], options: GenerateOptions = {}): GeneratedFile[] {
  const { protocols, diagnostics } = parseProtocols(files, options);
  if (diagnostics.length > 0) throw new CodegenError(diagnostics);
  const outDir = (options.outDir ?? "generated").split(path.sep).join("/").replace(/\/+$/, "");
  return protocols.map((model) => ({
    path: path.posix.join(outDir, `${model.name}.ts`),
    source: model.source,
    text: emitProtocol(model),
    model,
  }));
}
