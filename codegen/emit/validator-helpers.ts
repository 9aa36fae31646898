/**
 * The two small functions generated validators share, written into a
 * generated file only when its validators use them.
 *
 * Output:
 * ```ts
 * function isRecord(value: unknown): value is Record<string, unknown> { ... }
 * function describeLiteral(value: unknown): string { ... }
 * ```
 */

/** A shared helper of the validators. */
export type HelperKind = "isRecord" | "describeLiteral";

/** Longest received string quoted in full in an error message. */
const LITERAL_SHOWN = 40;

/**
 * The text of helper `kind` named `name`; `describeValue` is the local name
 * of the runtime's describeValue.
 */
export function helperText(kind: HelperKind, name: string, describeValue: string): string {
  if (kind === "isRecord") {
    return (
      "/**\n" +
      " * Whether a decoded value is a msgpack map: a plain object. Arrays, bytes, and what\n" +
      " * msgpack extension types decode to (Date, Set, typed arrays), which Python never sends, are not.\n" +
      " */\n" +
      `function ${name}(value: unknown): value is Record<string, unknown> {\n` +
      '  if (typeof value !== "object" || value === null) return false;\n' +
      "  const proto = Object.getPrototypeOf(value);\n" +
      "  return proto === Object.prototype || proto === null;\n" +
      "}\n"
    );
  }
  return (
    "/** Names a value that should have been a literal: the value itself when it is a short primitive. */\n" +
    `function ${name}(value: unknown): string {\n` +
    `  if (typeof value === "string") return JSON.stringify(value.length > ${LITERAL_SHOWN} ? \`\${value.slice(0, ${LITERAL_SHOWN})}...\` : value);\n` +
    '  if (typeof value === "number" || typeof value === "boolean") return String(value);\n' +
    `  return ${describeValue}(value);\n` +
    "}\n"
  );
}
