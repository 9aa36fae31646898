/**
 * No module of the runtime or the generator imports itself in a circle, not
 * even through a type-only import: each side of a seam depends on a small
 * interface (runtime/host.ts), not on the other's class.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

interface Edge {
  readonly to: string;
  readonly typeOnly: boolean;
}

/** Relative `import … from` / `export … from` of one module, resolved to paths. */
function importsOf(path: string, source: string): Edge[] {
  const edges: Edge[] = [];
  for (const match of source.matchAll(/^(?:import|export)\s+(type\s+)?([^;]*?)\s+from\s+"(\.[^"]+)";/gms)) {
    const names = match[2]!.trim();
    const allTypes =
      names.startsWith("{") &&
      names
        .replace(/[{}\s]/g, "")
        .split(",")
        .filter(Boolean)
        .every((name) => name.startsWith("type"));
    edges.push({ to: resolve(dirname(path), match[3]!), typeOnly: match[1] !== undefined || allTypes });
  }
  return edges;
}

/** The cycles a depth-first walk meets (at least one per knot of modules), each as `a.ts → b.ts → a.ts`. */
function cycles(modules: ReadonlyMap<string, string>, root: string, valuesOnly: boolean): string[] {
  const graph = new Map([...modules].map(([path, source]) => [path, importsOf(path, source)]));
  const found: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, "open");
    stack.push(node);
    for (const edge of graph.get(node) ?? []) {
      if (valuesOnly && edge.typeOnly) continue;
      const seen = state.get(edge.to);
      if (seen === "open") found.push([...stack.slice(stack.indexOf(edge.to)), edge.to].map((p) => relative(root, p)).join(" → "));
      else if (seen === undefined) visit(edge.to);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

function modulesUnder(dir: string): Map<string, string> {
  const modules = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts")) continue;
    const path = join(entry.parentPath, entry.name);
    modules.set(path, readFileSync(path, "utf8"));
  }
  return modules;
}

describe("import cycles", () => {
  it("the finder sees a cycle through a type-only import, and tells it from one through values", () => {
    const modules = new Map([
      ["/x/channel.ts", 'import type { Server } from "./server.ts";\nimport {\n  Link,\n} from "./link.ts";'],
      ["/x/server.ts", 'import { Channel, type ChannelInit } from "./channel.ts";'],
      ["/x/link.ts", 'export { type Message } from "./protocol.ts";'],
    ]);
    expect(cycles(modules, "/x", false)).toEqual(["channel.ts → server.ts → channel.ts"]);
    expect(cycles(modules, "/x", true)).toEqual([]);
    modules.set("/x/link.ts", 'export { Server } from "./server.ts";');
    expect(cycles(modules, "/x", true)).toEqual(["channel.ts → link.ts → server.ts → channel.ts"]);
  });

  for (const dir of ["runtime", "codegen"]) {
    it(`${dir}/ has none, not even through types`, () => {
      const modules = modulesUnder(join(repo, dir));
      expect(modules.size).toBeGreaterThan(5);
      expect(cycles(modules, repo, false)).toEqual([]);
    });
  }
});
