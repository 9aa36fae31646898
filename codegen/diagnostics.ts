/**
 * What the generator reports about a protocol file it cannot turn into code.
 * Every problem of every file is collected in one run (never the first one
 * only) and printed as `file:line:col: message [CODE]`.
 *
 * @example
 * ```
 * protocol/game.protocol.ts:7:3: `connected` is reserved by repod for its own events; choose another action name [RESERVED_ACTION]
 * ```
 */
import type { SourceLocation } from "./model.ts";

/** Diagnostic codes, each with what it means. */
export const DIAGNOSTIC_CODES = {
  /** A type the protocol format does not support (any, functions, classes, intersections, ...). */
  UNSUPPORTED_TYPE: "UNSUPPORTED_TYPE",
  /** A statement a protocol file may not contain (functions, classes, enums, values, other imports). */
  UNSUPPORTED_STATEMENT: "UNSUPPORTED_STATEMENT",
  /** An action the runtime keeps for itself: connected, disconnected, error, socketConnect, reconnecting, reconnected, `_*`. */
  RESERVED_ACTION: "RESERVED_ACTION",
  /** An action, field or file name that is not `[A-Za-z_][A-Za-z0-9_]*`. */
  INVALID_NAME: "INVALID_NAME",
  /** A message field named `action`, or a field named `__proto__`. */
  RESERVED_FIELD: "RESERVED_FIELD",
  /** A type name that is neither declared in the file nor imported from a protocol file. */
  UNKNOWN_TYPE: "UNKNOWN_TYPE",
  /** An import from something that is not a protocol file (or `Int` from "repod"), or of a name the file does not export. */
  BAD_IMPORT: "BAD_IMPORT",
  /** A message whose type is not an object type of fields, or an optional message. */
  BAD_MESSAGE: "BAD_MESSAGE",
  /** A request that is not a method `name(data: { ... }): Reply`, or one without a reply type. */
  BAD_REQUEST: "BAD_REQUEST",
  /** The same action, field or type declared twice, or two protocol files with one name. */
  DUPLICATE: "DUPLICATE",
  /** A declared type whose name the generated file needs for itself. */
  NAME_CLASH: "NAME_CLASH",
  /** A type alias that is only itself (`type A = B; type B = A`). */
  CIRCULAR_ALIAS: "CIRCULAR_ALIAS",
  /** An `Auth` type that is not an object type, or in a file without messages. */
  BAD_AUTH: "BAD_AUTH",
  /** A `Session` type that is not an object type, or in a file without messages. */
  BAD_SESSION: "BAD_SESSION",
  /** A JSDoc tag the generator reads (`@rateLimit`) that it cannot understand. */
  BAD_TAG: "BAD_TAG",
  /** An input that is not a readable `*.protocol.ts` file. */
  BAD_INPUT: "BAD_INPUT",
} as const;

/** One of {@link DIAGNOSTIC_CODES}. */
export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/** One problem in a protocol file. */
export interface Diagnostic extends SourceLocation {
  readonly code: DiagnosticCode;
  /** What is wrong and what to write instead. */
  readonly message: string;
}

/** `protocol/x.protocol.ts:3:7: message [CODE]`. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.message} [${d.code}]`;
}

/** Orders diagnostics by file, line, column, then text, and drops exact repeats. */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const unique: Diagnostic[] = [];
  for (const d of list) {
    const key = formatDiagnostic(d);
    if (!seen.has(key)) {
      seen.add(key);
      unique.push(d);
    }
  }
  return unique.sort((a, b) => compare(a.file, b.file) || a.line - b.line || a.column - b.column || compare(a.message, b.message));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Thrown by `generate()` when any protocol file has problems; carries all of them. */
export class CodegenError extends Error {
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    const lines = diagnostics.map(formatDiagnostic);
    super(`repod generate: ${diagnostics.length} problem${diagnostics.length === 1 ? "" : "s"}\n${lines.join("\n")}`);
    this.name = "CodegenError";
    this.diagnostics = diagnostics;
  }
}
