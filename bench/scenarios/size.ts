/**
 * size: what a game carries of repod, in bytes.
 *
 * - The browser bundle of the pong web client (examples/pong/web-client.ts:
 *   the runtime's browser entry, the generated listener and the page's own
 *   code), minified by esbuild and gzipped (level 9), as a page would serve
 *   it. Socket.IO's client is about 14 KB gzipped.
 * - The node_modules of a fresh project that installs only the runtime
 *   (`npm pack`, then `npm install <tarball>` with `--omit=dev`): what a
 *   production image of a game server or Node client holds. Bytes of the
 *   files, as `du --apparent-size` counts them.
 */
import { execFileSync } from "node:child_process";
import { lstatSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { bundleForBrowser } from "../../examples/web/bundle.ts";
import { ROOT } from "../lib/build.ts";
import type { BenchContext, BenchRow } from "../lib/context.ts";

export const order = 80;

const SOCKET_IO_CLIENT_GZIPPED = 14 * 1024;
const INSTALL_LIMIT = 3_000_000;

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const script = Buffer.from(await bundleForBrowser(path.join(ROOT, "examples/pong/web-client.ts"), { minify: true }));
  const gzipped = gzipSync(script, { level: 9 }).length;
  ctx.log(`pong web client: ${script.length} bytes minified, ${gzipped} gzipped`);

  const installed = runtimeOnlyInstall(ctx);
  const bundleScenario = "browser bundle (pong web client)";
  const installScenario = "runtime-only install";
  return [
    { scenario: bundleScenario, metric: "minified", ours: script.length, format: "kibibytes" },
    {
      scenario: bundleScenario,
      metric: "minified + gzipped",
      ours: gzipped,
      target: "< 14 KiB (Socket.IO's client)",
      ok: gzipped < SOCKET_IO_CLIENT_GZIPPED,
      format: "kibibytes",
    },
    {
      scenario: installScenario,
      metric: `node_modules (${installed.packages.join(", ")})`,
      ours: installed.bytes,
      target: "≤ 3 MB",
      ok: installed.bytes <= INSTALL_LIMIT,
      format: "kibibytes",
    },
  ];
}

/** Packs this repository's runtime and installs it alone in a fresh project; returns what node_modules holds. */
function runtimeOnlyInstall(ctx: BenchContext): { bytes: number; packages: string[] } {
  const folder = mkdtempSync(path.join(os.tmpdir(), "repod-size-"));
  try {
    const npm = (args: string[], cwd: string) => execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const tarball = npm(["pack", "--silent", "--pack-destination", folder], ROOT).trim().split("\n").at(-1)!;
    const project = path.join(folder, "game");
    execFileSync("mkdir", [project]);
    writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "game", version: "1.0.0", type: "module", private: true }));
    npm(["install", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline", path.join(folder, tarball)], project);
    const modules = path.join(project, "node_modules");
    const packages = readdirSync(modules)
      .filter((name) => !name.startsWith("."))
      .flatMap((name) => (name.startsWith("@") ? readdirSync(path.join(modules, name)).map((inner) => `${name}/${inner}`) : [name]))
      .sort();
    const bytes = bytesUnder(modules);
    ctx.log(`runtime-only install: ${bytes} bytes in ${packages.join(", ")}`);
    return { bytes, packages };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    total += entry.isDirectory() ? bytesUnder(file) : lstatSync(file).size;
  }
  return total;
}
