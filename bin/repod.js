#!/usr/bin/env node
// The `repod` command. In a source checkout (codegen/cli.ts is there) it loads
// tsx and runs the TypeScript sources, so `npx repod generate ...` works
// without a build and never runs a stale dist/ left by an earlier build. In an
// installed package (which ships dist/ and bin/ only) it runs dist/codegen/cli.js.
import { existsSync } from "node:fs";

const source = new URL("../codegen/cli.ts", import.meta.url);
let cli;
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  cli = await import(source.href);
} else {
  cli = await import(new URL("../dist/codegen/cli.js", import.meta.url).href);
}
process.exitCode = await cli.main(process.argv.slice(2));
