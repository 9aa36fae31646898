/**
 * Golden files: generated/ must be exactly what the generator makes of
 * protocol/ today. When this fails, run `npm run generate` and commit the result.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { sourceOfGenerated } from "../../codegen/emit/header.ts";
import { findProtocolFiles } from "../../codegen/files.ts";
import { generate } from "../../codegen/index.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const files = generate(findProtocolFiles(["protocol"], root), { cwd: root, outDir: "generated" });

describe("generated/ is up to date with protocol/", () => {
  it.each(files.map((f) => [f.path, f] as const))("%s", (file, generated) => {
    const committed = readFileSync(path.join(root, file), "utf8");
    expect(committed, `${file} is stale: run npm run generate`).toBe(generated.text);
  });

  it("holds no generated file whose protocol is gone", () => {
    const made = new Set(files.map((f) => f.path));
    const orphans = readdirSync(path.join(root, "generated"))
      .map((name) => `generated/${name}`)
      .filter((file) => sourceOfGenerated(readFileSync(path.join(root, file), "utf8")) !== undefined && !made.has(file));
    expect(orphans).toEqual([]);
  });

  it("covers chat and the kitchen sink", () => {
    expect([...files.map((f) => f.path)]).toEqual(expect.arrayContaining(["generated/chat.ts", "generated/kitchen_sink.ts"]));
  });
});
