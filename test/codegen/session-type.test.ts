/**
 * The protocol file's `Session` type: the game's own state of one player,
 * which moves with the session between servers. Parsed like `Auth`, emitted
 * as a validator in the descriptor and a typed `session` property of the
 * channel, and kept out of the fingerprint (it never travels to a client).
 */
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../codegen/diagnostics.ts";
import { emitProtocol } from "../../codegen/emit/index.ts";
import { fingerprint } from "../../codegen/fingerprint.ts";
import { schemaOf } from "../../codegen/schema.ts";
import { clusterProtocol } from "../cluster/fixtures/cluster.ts";
import { parseModel, parseSource } from "./helpers.ts";

const MESSAGES = `
export interface ClientMessages {
  move: { x: number };
}

export interface ServerMessages {
  moved: { x: number };
}
`;

const SOURCE = `
/** What the server keeps of a player. */
export interface Session {
  score: number;
  name?: string;
}
${MESSAGES}`;

describe("Session in a protocol file", () => {
  it("is plain data in the model", () => {
    const model = parseModel(SOURCE);
    expect(model.session).toEqual({ type: { kind: "ref", name: "Session" }, location: { file: "protocol/test.protocol.ts", line: 3, column: 18 } });
    expect(JSON.parse(JSON.stringify(model))).toEqual(model);
  });

  it("does not change the fingerprint or the schema: it never goes on the wire", () => {
    const plain = parseModel(MESSAGES);
    const withSession = parseModel(SOURCE);
    expect(fingerprint(withSession)).toBe(fingerprint(plain));
    expect(schemaOf(withSession)).toEqual(schemaOf(plain));
  });

  it("is emitted: its validator in the descriptor and a typed session property on the channel only", () => {
    const text = emitProtocol(parseModel(SOURCE));
    expect(text).toContain("session: validateSession,");
    expect(text).toContain("override session: Session | undefined = undefined;");
    expect(text.match(/override session/g)).toHaveLength(1);
    const plain = emitProtocol(parseModel(MESSAGES));
    expect(plain).not.toContain("session");
  });

  it("the generated validator checks a saved state by path", () => {
    const validate = clusterProtocol.session!;
    expect(validate({ room: "r1", count: 3, lastSeq: 3 })).toBeUndefined();
    expect(validate({ room: "r1", count: 1.5, lastSeq: 3 })).toBe("count: expected integer, got number");
    expect(validate({ room: "r1", count: 3 })).toBe("lastSeq: expected integer, got nothing");
  });

  it.each([
    [
      "a types-only file",
      "export interface Session { score: number }\nexport interface Other { x: number }\n",
      "protocol/test.protocol.ts:1:18: `Session` is the game's state of one player that moves with the session: declare it in the protocol file with ClientMessages / ServerMessages, not in a types-only file [BAD_SESSION]",
    ],
    [
      "a generic one",
      `export interface Session<T> { score: T }\n${MESSAGES}`,
      "protocol/test.protocol.ts:1:18: `Session` cannot be generic: declare its fields, e.g. export interface Session { score: Int } [BAD_SESSION]\n" +
        "protocol/test.protocol.ts:1:18: generic types are not supported: declare a concrete interface for each use [UNSUPPORTED_TYPE]",
    ],
    [
      "one that is not an object",
      `export type Session = string;\n${MESSAGES}`,
      "protocol/test.protocol.ts:1:13: `Session` must be an object type of the game's per-player state: write export interface Session { score: Int } [BAD_SESSION]",
    ],
  ])("is refused with a located diagnostic: %s", (_what, source, expected) => {
    expect(parseSource(source).diagnostics.map(formatDiagnostic)).toEqual(expected.split("\n"));
  });
});
