import { describe, expect, it } from "vitest";
import { fingerprint } from "../../codegen/fingerprint.ts";
import { parseModel } from "./helpers.ts";

const print = (text: string) => fingerprint(parseModel(text));

const BASE = `
/** Doc. */
export interface ClientMessages {
  /** Hello. */
  hello: { name: string; age?: number };
  bye: {};
}
export type Kind = "a" | "b";
`;

describe("fingerprint", () => {
  it("is 16 hex digits, the same for the same protocol", () => {
    expect(print(BASE)).toMatch(/^[0-9a-f]{16}$/);
    expect(print(BASE)).toBe(print(BASE));
  });

  it("ignores docs, comments, layout and where things are declared", () => {
    const edited = `// a comment
      export type Kind = "a" | "b";
      /** Other doc. */
      export interface ClientMessages {
        bye: {};
        hello: {
          /** New doc. */
          age?: number;
          name: string;
        };
      }`;
    expect(print(edited)).toBe(print(BASE));
  });

  it("ignores the order of union members", () => {
    expect(print(BASE.replace('"a" | "b"', '"b" | "a"'))).toBe(print(BASE));
  });

  it.each([
    ["a field's type", BASE.replace("name: string", "name: number")],
    ["a field made required", BASE.replace("age?: number", "age: number")],
    ["a new field", BASE.replace("bye: {}", "bye: { why: string }")],
    ["a new action", BASE.replace("bye: {};", "bye: {};\n  again: {};")],
    ["a literal", BASE.replace('"a" | "b"', '"a" | "c"')],
  ])("changes with %s", (_what, text) => {
    expect(print(text)).not.toBe(print(BASE));
  });

  it("differs between directions", () => {
    expect(print(BASE.replace("ClientMessages", "ServerMessages"))).not.toBe(print(BASE));
  });

  it("changes with a request, its fields, its reply and its direction; docs do not", () => {
    const asks = `${BASE}\nexport interface ClientRequests { join(data: { room: string }): { seat: number } }`;
    expect(print(asks)).not.toBe(print(BASE));
    expect(print(asks.replace("room: string", "room: number"))).not.toBe(print(asks));
    expect(print(asks.replace("seat: number", "seat: string"))).not.toBe(print(asks));
    expect(print(asks.replace("ClientRequests", "ServerRequests"))).not.toBe(print(asks));
    expect(print(asks.replace("join(data", "/** Doc. */ join(data"))).toBe(print(asks));
  });
});
