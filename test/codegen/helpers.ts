/**
 * Helpers for codegen tests: protocol sources parsed in an in-memory file
 * system, so each test states its whole input.
 */
import { expect } from "vitest";
import { formatDiagnostic } from "../../codegen/diagnostics.ts";
import type { FieldType, ProtocolModel } from "../../codegen/model.ts";
import { type ParseResult, parseProtocols } from "../../codegen/parse/index.ts";

/** The working directory of in-memory tests. */
export const VIRTUAL_CWD = "/virtual";

/** Parses `text` as `file` (plus `extra` files it may import) in memory. */
export function parseSource(text: string, extra: Record<string, string> = {}, file = "protocol/test.protocol.ts"): ParseResult {
  return parseProtocols([file], { cwd: VIRTUAL_CWD, sources: { [file]: text, ...extra } });
}

/** Parses `text`, failing the test with the diagnostics if there are any. */
export function parseModel(text: string, extra: Record<string, string> = {}, file = "protocol/test.protocol.ts"): ProtocolModel {
  const result = parseSource(text, extra, file);
  expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
  return result.protocols[0];
}

/** The model type of one field `f` written as `typeText` (with `prelude` above the messages). */
export function fieldType(typeText: string, prelude = ""): FieldType {
  const model = parseModel(`${prelude}\nexport interface ClientMessages {\n  m: { f: ${typeText} };\n}\n`);
  const body = model.client[0].body;
  if (body.kind !== "object") throw new Error("expected an inline body");
  return body.fields[0].type;
}

/** The formatted diagnostics of `text`. */
export function problems(text: string, extra: Record<string, string> = {}): string[] {
  return parseSource(text, extra).diagnostics.map(formatDiagnostic);
}
