/**
 * `repod/compat`: the compatibility rules between versions of a protocol and
 * the schema they read. One copy serves both sides: the server judges a
 * client of another version with it at the handshake, and the generator
 * (`@repod/codegen`, whose `repod breaking` compares two versions of the
 * protocol files) imports it from this package.
 *
 * @example
 * ```ts
 * import { readProblems } from "repod/compat";
 * readProblems({ kind: "string" }, {}, { kind: "int" }, {}); // [{ rule: "FIELD_RETYPED", path: "", writes: "string", reads: "Int" }]
 * ```
 */
export { COMPAT_RULES, type CompatRule, type ReadProblem, readProblems, typeText } from "./rules.ts";
export type { ProtocolSchema, SchemaField, SchemaRequest, SchemaType } from "./schema.ts";
