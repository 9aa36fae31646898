/**
 * Bad protocol files under test/codegen/bad/ and the exact diagnostics each
 * must give (`<case>.expected.txt`, one `file:line:col: message [CODE]` a line).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CodegenError, formatDiagnostic, generate, parseProtocols } from "../../codegen/index.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const badDir = "test/codegen/bad";
const cases = readdirSync(path.join(root, badDir))
  .filter((name) => name.endsWith(".protocol.ts"))
  .sort()
  .map((name) => name.slice(0, -".protocol.ts".length));

describe("diagnostics of bad protocol files", () => {
  it.each(cases)("%s", (name) => {
    const expectedFile = path.join(root, badDir, `${name}.expected.txt`);
    expect(existsSync(expectedFile), `write ${badDir}/${name}.expected.txt`).toBe(true);
    const expected = readFileSync(expectedFile, "utf8")
      .split("\n")
      .filter((line) => line !== "");
    const { diagnostics, protocols } = parseProtocols([`${badDir}/${name}.protocol.ts`], { cwd: root });
    expect(diagnostics.map(formatDiagnostic)).toEqual(expected);
    expect(protocols).toEqual([]);
  });

  it("reports every problem of a file in one run, of every kind", () => {
    const { diagnostics } = parseProtocols([`${badDir}/several.protocol.ts`], { cwd: root });
    expect(new Set(diagnostics.map((d) => d.code))).toEqual(
      new Set(["UNSUPPORTED_STATEMENT", "RESERVED_ACTION", "UNSUPPORTED_TYPE", "INVALID_NAME", "RESERVED_FIELD"]),
    );
    expect(diagnostics.length).toBe(8);
  });

  it("generate() throws one CodegenError with the problems of all files, and generates nothing", () => {
    const files = [`${badDir}/names.protocol.ts`, `${badDir}/circular.protocol.ts`, "protocol/chat.protocol.ts"];
    let thrown: unknown;
    try {
      generate(files, { cwd: root });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CodegenError);
    const reported = new Set((thrown as CodegenError).diagnostics.map((d) => d.file));
    expect(reported).toEqual(new Set([`${badDir}/names.protocol.ts`, `${badDir}/circular.protocol.ts`]));
    expect((thrown as CodegenError).message).toContain(`${badDir}/names.protocol.ts:2:3: \`my-action\` is not a valid action name`);
  });

  it("refuses inputs that are not protocol files, and two protocols with one name", () => {
    const { diagnostics } = parseProtocols(["x/chat.ts", "a/game.protocol.ts", "b/game.protocol.ts"], {
      cwd: "/virtual",
      sources: {
        "x/chat.ts": "",
        "a/game.protocol.ts": "export interface ClientMessages {}",
        "b/game.protocol.ts": "export interface ClientMessages {}",
      },
    });
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      "b/game.protocol.ts:1:1: a/game.protocol.ts has the same protocol name `game`, and both would generate game.ts: rename one [DUPLICATE]",
      "x/chat.ts:1:1: protocol files are named <name>.protocol.ts: rename the file [BAD_INPUT]",
    ]);
  });
});
