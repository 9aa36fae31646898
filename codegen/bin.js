#!/usr/bin/env node
// The `repod` command of the @repod/codegen package. In an installed package
// (which ships dist/ and this file) it runs dist/cli.js. In a source checkout
// (cli.ts is beside this file) it loads tsx and runs the TypeScript sources, so
// the command works without a build and never runs a stale dist/ left by an
// earlier build; there `repod/compat` (the runtime's compatibility rules, which
// an installed package imports from the installed repod) is the checkout's
// runtime/compat/, mapped by the checkout's tsconfig.json.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const source = new URL("./cli.ts", import.meta.url);
let cli;
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) });
  cli = await import(source.href);
} else {
  cli = await import(new URL("./dist/cli.js", import.meta.url).href);
}
process.exitCode = await cli.main(process.argv.slice(2));
