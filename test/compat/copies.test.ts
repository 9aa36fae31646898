import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

// The generator never imports the runtime, so the compatibility rules live in both; the
// handshake and `repod breaking` must judge every change the same way.
it("the runtime and the generator hold the same compatibility rules, byte for byte", () => {
  for (const file of ["rules.ts", "schema.ts"]) {
    const runtime = readFileSync(path.join(root, "runtime/compat", file), "utf8");
    const codegen = readFileSync(path.join(root, "codegen/compat", file), "utf8");
    expect(codegen, `codegen/compat/${file} differs from runtime/compat/${file}: copy it over`).toBe(runtime);
  }
});
