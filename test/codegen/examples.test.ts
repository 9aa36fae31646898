/**
 * Every `@example` in generated/*.ts compiles: each is extracted, given the
 * generated file's exports, and checked by tsc --noEmit beside a deliberately
 * wrong example (one handler left out) that must fail — so the check is real.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The code of each `@example` block of a file's doc comments, without the comment's ` * `. */
function examplesOf(text: string): string[] {
  const examples: string[] = [];
  for (const comment of text.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    const lines = comment[1]!.split("\n").map((line) => line.replace(/^\s*\* ?/, ""));
    let at = lines.findIndex((line) => line.trim() === "@example");
    while (at >= 0) {
      const open = lines.findIndex((line, i) => i > at && /^```(ts|typescript)\s*$/.test(line.trim()));
      const close = lines.findIndex((line, i) => i > open && line.trim() === "```");
      if (open < 0 || close < 0) throw new Error(`an @example without a closed \`\`\`ts block:\n${comment[0]}`);
      examples.push(lines.slice(open + 1, close).join("\n"));
      at = lines.findIndex((line, i) => i > close && line.trim() === "@example");
    }
  }
  return examples;
}

/** What a generated file exports, as the import lines an example of it needs. */
function importsOf(text: string, from: string): string {
  const values = [...text.matchAll(/^export (?:abstract )?(?:class|const|function) (\w+)/gm)].map((m) => m[1]);
  const types = [...text.matchAll(/^export (?:interface|type) (\w+)/gm)].map((m) => m[1]);
  return [
    values.length ? `import { ${values.join(", ")} } from "${from}";` : "",
    types.length ? `import type { ${types.join(", ")} } from "${from}";` : "",
    "export {};",
  ].join("\n");
}

describe("examples in generated files", () => {
  const generated = readdirSync(path.join(root, "generated")).filter((name) => name.endsWith(".ts"));

  it("are found: one for the channel and one for the listener of each protocol", () => {
    const chat = examplesOf(readFileSync(path.join(root, "generated/chat.ts"), "utf8"));
    expect(chat).toHaveLength(2);
    expect(chat[0]).toContain("class GameChannel extends ChatChannel {");
    expect(chat[1]).toContain("class Game extends ChatListener {");
  });

  it("compile (tsc --noEmit), and a wrong one does not", () => {
    const dir = path.join(root, "test/.artifacts/examples");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const written: string[] = [];
    let tags = 0;
    for (const name of generated) {
      const text = readFileSync(path.join(root, "generated", name), "utf8");
      tags += text.split("@example").length - 1;
      const header = importsOf(text, `../../../generated/${name}`);
      examplesOf(text).forEach((example, i) => {
        const file = `${name.replace(/\.ts$/, "")}-${i + 1}.ts`;
        writeFileSync(path.join(dir, file), `${header}\n${example}\n`);
        written.push(file);
      });
    }
    // The chat channel's example as it once was: one of its two abstract handlers.
    const chat = readFileSync(path.join(root, "generated/chat.ts"), "utf8");
    const wrong = examplesOf(chat)[0]!.replace(/^ {2}Network_message\(.*\n/m, "");
    expect(wrong).not.toContain("Network_message");
    writeFileSync(path.join(dir, "wrong.ts"), `${importsOf(chat, "../../../generated/chat.ts")}\n${wrong}\n`);
    writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ extends: "../../../tsconfig.json", include: ["*.ts"] }));
    let output = "";
    try {
      execFileSync(path.join(root, "node_modules/.bin/tsc"), ["--noEmit", "--pretty", "false", "-p", dir], { cwd: root, encoding: "utf8" });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    } finally {
      // The root tsconfig includes test/: leave nothing for it to check.
      rmSync(dir, { recursive: true, force: true });
    }
    expect(written.length).toBe(tags);
    expect(written.length).toBeGreaterThanOrEqual(14);
    const errors = output.split("\n").filter((line) => line.includes("error TS"));
    expect(errors.filter((line) => !line.startsWith("test/.artifacts/examples/wrong.ts"))).toEqual([]);
    expect(errors).toEqual([expect.stringMatching(/wrong\.ts.*error TS2515: .*\bNetwork_message\b/)]);
  }, 60_000);
});
