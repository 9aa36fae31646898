/**
 * The README's tutorial, run as written: its shell blocks in order, its
 * TypeScript/JSON blocks written to the files their first line names. Two
 * things are changed so that it can run beside other tests: the folder
 * (/tmp/my-chat becomes a fresh temporary folder) and the port (5071 becomes
 * a free one).
 *
 * The tutorial ends on a production install (`npm prune --omit=dev`) that
 * runs the game: that install must hold the runtime and ws only, in at most
 * 3 MB, and nothing of the generator. Right after its `repod generate`, the
 * test also runs `repod breaking` there: the installed generator takes the
 * compatibility rules from the installed runtime (`repod/compat`).
 */
import { execFileSync } from "node:child_process";
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

function tutorialBlocks(): Array<{ lang: string; body: string }> {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const start = readme.indexOf("## Tutorial");
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end);
  return [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, body: m[2]! }));
}

/** Bytes in the files under `dir` (what `du --apparent-size` counts), not following links. */
function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += bytesUnder(path);
    else total += lstatSync(path).size;
  }
  return total;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

it("the README tutorial runs as written and the client sees the chat", async () => {
  const folder = mkdtempSync(join(tmpdir(), "repod-tutorial-"));
  const port = String(await freePort());
  try {
    let script = "set -euo pipefail\n";
    for (const { lang, body } of tutorialBlocks()) {
      const text = body.replaceAll("/tmp/my-chat", folder).replaceAll("5071", port);
      if (lang === "sh") {
        script += `${text}\n`;
        if (text.includes("npx repod generate")) script += "npx repod breaking protocol --against protocol\n";
      } else if (lang === "ts") {
        const path = /^\/\/ (\S+)\n/.exec(text)?.[1];
        if (!path) continue;
        script += `mkdir -p "$(dirname ${path})" && cat > ${path} <<'REPOD_EOF'\n${text}REPOD_EOF\n`;
      }
    }
    const output = execFileSync("bash", ["-c", script], { cwd: root, encoding: "utf8", timeout: 240_000, env: { ...process.env, npm_config_yes: "true" } });
    expect(output).toContain("repod breaking: no breaking change against protocol (1 protocol compared)");
    const lines = output.trim().split("\n");
    expect(lines.slice(-3)).toEqual(["* ada joined", "* players: ada", "<ada> hello, typed world"]);

    const modules = join(folder, "node_modules");
    // Packages by name (a scope's folder holds its packages; npm prune leaves emptied scope folders behind).
    const packages = readdirSync(modules)
      .filter((name) => !name.startsWith("."))
      .flatMap((name) => (name.startsWith("@") ? readdirSync(join(modules, name)).map((inner) => `${name}/${inner}`) : [name]));
    expect(packages.sort()).toEqual(["repod", "ws"]);
    expect(bytesUnder(modules)).toBeLessThanOrEqual(3_000_000);
  } finally {
    rmSync(folder, { recursive: true, force: true });
    rmSync(join(root, "repod-0.1.0.tgz"), { force: true });
    rmSync(join(root, "repod-codegen-0.1.0.tgz"), { force: true });
  }
}, 300_000);
