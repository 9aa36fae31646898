/**
 * Bundles a process entry (a server, the load generator) into plain
 * JavaScript once per run, so that measured processes start in a blink and
 * run what users run: compiled code, no TypeScript loader in the way.
 * `import ... from "repod"` resolves to the runtime's source (the
 * `repod-source` condition); npm packages stay external.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

export const ROOT = path.resolve(import.meta.dirname, "../..");
const OUT = path.join(ROOT, "bench", ".build");
const built = new Map<string, Promise<string>>();

/** The path of the bundled `.mjs` for `entry` (relative to the repository root). */
export function bundle(entry: string): Promise<string> {
  let done = built.get(entry);
  if (!done) {
    const outfile = path.join(OUT, entry.replace(/[\\/]/g, "__").replace(/\.ts$/, ".mjs"));
    mkdirSync(OUT, { recursive: true });
    done = build({
      entryPoints: [path.join(ROOT, entry)],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      conditions: ["repod-source"],
      external: ["msgpackr", "ws", "ioredis", "esbuild", "ts-morph"],
      sourcemap: "linked",
      logLevel: "warning",
    }).then(() => outfile);
    built.set(entry, done);
  }
  return done;
}
