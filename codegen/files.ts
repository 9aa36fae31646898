/**
 * The generator's contact with the disk: finding protocol files in the
 * paths given on the command line, and comparing generated files with what
 * is written (to write only what changed, or to report what is stale).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { sourceOfGenerated } from "./emit/header.ts";
import type { GeneratedFile } from "./index.ts";
import { PROTOCOL_SUFFIX } from "./naming.ts";

/** Folders never searched for protocol files. */
const SKIPPED_DIRS = new Set(["node_modules", "dist", "generated"]);

/**
 * The protocol files named by `inputs` (files, or folders searched
 * recursively for `*.protocol.ts`), relative to `cwd`, sorted, without repeats.
 * Throws when an input does not exist.
 */
export function findProtocolFiles(inputs: readonly string[], cwd: string): string[] {
  const found = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith(".") && !SKIPPED_DIRS.has(entry.name)) walk(full);
      } else if (entry.name.endsWith(PROTOCOL_SUFFIX)) {
        found.add(toRelative(full, cwd));
      }
    }
  };
  for (const input of inputs) {
    const full = path.resolve(cwd, input);
    if (!existsSync(full)) throw new Error(`no such file or folder: ${input}`);
    if (statSync(full).isDirectory()) walk(full);
    else found.add(toRelative(full, cwd));
  }
  return [...found].sort();
}

/** How a generated file compares with the disk. */
export interface FileStatus {
  readonly path: string;
  readonly state: "unchanged" | "changed" | "missing";
}

/** Compares each generated file with the file on disk. */
export function compareWithDisk(files: readonly GeneratedFile[], cwd: string): FileStatus[] {
  return files.map((file) => {
    const full = path.resolve(cwd, file.path);
    if (!existsSync(full)) return { path: file.path, state: "missing" };
    return { path: file.path, state: readFileSync(full, "utf8") === file.text ? "unchanged" : "changed" };
  });
}

/** Writes the files whose content differs from the disk; returns their paths. */
export function writeChanged(files: readonly GeneratedFile[], cwd: string): string[] {
  const statuses = compareWithDisk(files, cwd);
  const written: string[] = [];
  files.forEach((file, i) => {
    if (statuses[i].state === "unchanged") return;
    const full = path.resolve(cwd, file.path);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, file.text);
    written.push(file.path);
  });
  return written;
}

/**
 * Generated files in `outDir` whose protocol file no longer exists (left over
 * after a protocol was deleted or renamed), relative to `cwd`.
 */
export function findOrphans(outDir: string, cwd: string): string[] {
  const dir = path.resolve(cwd, outDir);
  if (!existsSync(dir)) return [];
  const orphans: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (!name.endsWith(".ts") || !statSync(full).isFile()) continue;
    const source = sourceOfGenerated(readFileSync(full, "utf8"));
    if (source !== undefined && !existsSync(path.resolve(cwd, source))) orphans.push(toRelative(full, cwd));
  }
  return orphans;
}

function toRelative(file: string, cwd: string): string {
  return path.relative(cwd, file).split(path.sep).join("/");
}
