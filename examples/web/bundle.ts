/**
 * Bundles a browser entry with esbuild: `import … from "repod"` resolves
 * through package.json's `"browser"` condition to the runtime's browser
 * entry (WebSocket only, no `node:` module); `repod-source` picks the
 * TypeScript sources inside this repository.
 */
import { build } from "esbuild";

/** Bundles `entry` (a .ts file) and its imports into one ES module; returns its text. */
export async function bundleForBrowser(entry: string, options: { minify?: boolean } = {}): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["repod-source"],
    minify: options.minify ?? false,
    sourcemap: options.minify ? false : "inline",
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}
