/**
 * What to write instead: the advice diagnostics give for constructs a
 * protocol file cannot use, in one place so the wording stays consistent.
 */
import { Node, SyntaxKind } from "ts-morph";

/** What the protocol format supports, for "write ... instead" messages. */
export const SUPPORTED_TYPES =
  "string, number, Int, boolean, null, a literal, T[], a tuple, an object type, Record<string, T>, Uint8Array, a named type, or a union of these";

/** Built-in type names with a specific piece of advice. */
export const BUILT_IN_ADVICE: Readonly<Record<string, string>> = {
  Date: "a Date is not a msgpack value: send a number (milliseconds since the epoch) or an ISO 8601 string",
  Map: "write Record<string, T> (a msgpack map with string keys)",
  WeakMap: "write Record<string, T> (a msgpack map with string keys)",
  Set: "write an array, T[]",
  WeakSet: "write an array, T[]",
  ReadonlySet: "write an array, readonly T[]",
  ReadonlyMap: "write Record<string, T> (a msgpack map with string keys)",
  Buffer: "write Uint8Array (msgpack bin; a Node Buffer is one)",
  ArrayBuffer: "write Uint8Array (msgpack bin)",
  SharedArrayBuffer: "write Uint8Array (msgpack bin)",
  DataView: "write Uint8Array (msgpack bin)",
  Uint8ClampedArray: "write Uint8Array (msgpack bin)",
  Int8Array: "write Uint8Array (msgpack bin), or number[]",
  Uint16Array: "write Uint8Array (msgpack bin), or number[]",
  Int16Array: "write Uint8Array (msgpack bin), or number[]",
  Uint32Array: "write Uint8Array (msgpack bin), or number[]",
  Int32Array: "write Uint8Array (msgpack bin), or number[]",
  Float32Array: "write number[]",
  Float64Array: "write number[]",
  BigInt64Array: "write Int[]",
  BigUint64Array: "write Int[]",
  Promise: "a message carries data, not promises: write the type of the value",
  Function: "functions cannot be sent: send data that describes what to do",
  Object: "write an object type with its fields, or Record<string, T>",
  String: "write string",
  Number: "write number (or Int)",
  Boolean: "write boolean",
  Partial: "utility types are not supported: write the object type out, with `?` on optional fields",
  Required: "utility types are not supported: write the object type out",
  Readonly: "utility types are not supported: write the object type out, with `readonly` on its fields",
  Pick: "utility types are not supported: write the object type out",
  Omit: "utility types are not supported: write the object type out",
  Exclude: "utility types are not supported: write the union out",
  Extract: "utility types are not supported: write the union out",
  NonNullable: "utility types are not supported: write the type without null",
};

/** Advice for keyword types that are not supported. */
export const KEYWORD_ADVICE: ReadonlyMap<SyntaxKind, string> = new Map([
  [SyntaxKind.AnyKeyword, `\`any\` is not a protocol type: write the type the field carries (${SUPPORTED_TYPES})`],
  [SyntaxKind.UnknownKeyword, `\`unknown\` is not a protocol type: write the type the field carries (${SUPPORTED_TYPES})`],
  [SyntaxKind.NeverKeyword, "`never` carries nothing: remove the field"],
  [SyntaxKind.UndefinedKeyword, "msgpack has no `undefined`: make the field optional (`name?: T`) or use `null`"],
  [SyntaxKind.VoidKeyword, "`void` is not a value: make the field optional (`name?: T`) or use `null`"],
  [SyntaxKind.ObjectKeyword, "`object` says nothing about the fields: write an object type with its fields, or Record<string, T>"],
  [SyntaxKind.BigIntKeyword, "`bigint` is not supported: write Int (an integer up to 2^53) or number"],
  [SyntaxKind.SymbolKeyword, "symbols cannot be sent: write string"],
  [SyntaxKind.ThisType, "`this` is not a protocol type: name the type"],
]);

/** What to write instead of an object type member that is not a property. */
export function memberAdvice(member: Node): string {
  if (Node.isIndexSignatureDeclaration(member)) {
    return "index signatures are not supported: write Record<string, T> for a map";
  }
  if (Node.isMethodSignature(member) || Node.isCallSignatureDeclaration(member) || Node.isConstructSignatureDeclaration(member)) {
    return "methods cannot be sent over the network: write a field with a data type";
  }
  return `\`${member.getText().replace(/\s+/g, " ").slice(0, 60)}\` is not supported in an object type: write fields, \`name: T\` or \`name?: T\``;
}

/** What to write instead of an optional or rest tuple element. */
export function tupleAdvice(kind: "optional" | "rest"): string {
  return kind === "optional"
    ? "optional tuple elements are not supported: write a fixed tuple [A, B], with `B | null` for a missing element, or an array"
    : "rest elements are not supported: write an array T[] or a fixed tuple";
}
