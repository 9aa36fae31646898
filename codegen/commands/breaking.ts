/**
 * `repod breaking`: compares the protocol files with an earlier version of
 * them — a git ref (a branch, a tag, a commit) or a folder — and lists every
 * breaking change with `file:line:col`, the rule and what to do instead.
 *
 * ```
 * repod breaking <protocol files or folders...> --against <git ref or folder>
 * ```
 *
 * Exit codes: 0 nothing breaks, 1 breaking changes (or a protocol file with
 * problems), 2 wrong usage or an earlier version that cannot be read.
 *
 * @example
 * ```sh
 * npx repod breaking protocol --against origin/main   # in CI, before merging
 * npx repod breaking protocol --against v1.4.0        # against the last release
 * ```
 */
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { breakingChanges, formatBreakingChange } from "../breaking.ts";
import { formatDiagnostic } from "../diagnostics.ts";
import { findProtocolFiles } from "../files.ts";
import type { ProtocolModel } from "../model.ts";
import { PROTOCOL_SUFFIX } from "../naming.ts";
import { type ParseResult, parseProtocols } from "../parse/index.ts";
import { type CliIo, EXIT } from "./command.ts";

const USAGE = `usage: repod breaking <protocol files or folders...> --against <git ref or folder>

  --against <ref>   the earlier version: a git ref (origin/main, v1.4.0, HEAD~3) or a folder of protocol files`;

/** Runs `repod breaking` with `argv` (what follows `breaking`); resolves to the exit code. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  // biome-ignore lint/suspicious/noImplicitAnyLet: typed by the parseArgs call it is assigned in the try below
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { against: { type: "string" }, help: { type: "boolean", short: "h", default: false } },
    });
  } catch (error) {
    io.err(`repod breaking: ${(error as Error).message}\n${USAGE}`);
    return EXIT.USAGE;
  }
  if (parsed.values.help) {
    io.out(USAGE);
    return EXIT.OK;
  }
  const inputs = parsed.positionals;
  const against = parsed.values.against;
  if (inputs.length === 0 || against === undefined) {
    io.err(`repod breaking: name protocol files or folders, and --against\n${USAGE}`);
    return EXIT.USAGE;
  }

  let now: ParseResult;
  try {
    now = parseProtocols(findProtocolFiles(inputs, io.cwd), { cwd: io.cwd });
  } catch (error) {
    io.err(`repod breaking: ${(error as Error).message}`);
    return EXIT.USAGE;
  }
  if (now.diagnostics.length > 0) {
    for (const d of now.diagnostics) io.err(formatDiagnostic(d));
    io.err("repod breaking: fix the protocol files first");
    return EXIT.FAILED;
  }

  let before: readonly ProtocolModel[];
  try {
    before = earlierModels(inputs, against, io);
  } catch (error) {
    io.err(`repod breaking: ${(error as Error).message}`);
    return EXIT.USAGE;
  }

  const changes = breakingChanges(before, now.protocols);
  for (const change of changes) io.err(formatBreakingChange(change));
  if (changes.length > 0) {
    io.err(`repod breaking: ${changes.length} breaking change${changes.length === 1 ? "" : "s"} against ${against}`);
    return EXIT.FAILED;
  }
  const compared = before.filter((old) => now.protocols.some((model) => model.name === old.name)).length;
  io.out(`repod breaking: no breaking change against ${against} (${compared} protocol${compared === 1 ? "" : "s"} compared)`);
  return EXIT.OK;
}

/** The models of the earlier version: from a folder, or from the same paths at a git ref. */
function earlierModels(inputs: readonly string[], against: string, io: CliIo): readonly ProtocolModel[] {
  let isFolder = false;
  try {
    isFolder = statSync(path.resolve(io.cwd, against)).isDirectory();
  } catch {
    // not a folder: a git ref
  }
  const result = isFolder ? parseProtocols(findProtocolFiles([against], io.cwd), { cwd: io.cwd }) : parseProtocols(...atGitRef(inputs, against, io.cwd));
  if (result.diagnostics.length > 0) {
    throw new Error(`the protocol files of ${against} do not parse:\n${result.diagnostics.map(formatDiagnostic).join("\n")}`);
  }
  return result.protocols;
}

/** The protocol files under `inputs` as they were at `ref`, read with git, as in-memory sources at their paths. */
function atGitRef(inputs: readonly string[], ref: string, cwd: string): Parameters<typeof parseProtocols> {
  const git = (...args: string[]): string => {
    try {
      return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });
    } catch (error) {
      const stderr = String((error as { stderr?: unknown }).stderr ?? "").trim();
      throw new Error(`${against(ref)} is neither a folder nor a git ref git can read (${stderr || (error as Error).message})`);
    }
  };
  git("rev-parse", "--verify", "--quiet", `${ref}^{commit}`);
  // Paths come back relative to `cwd`, as the inputs are.
  const listed = git("ls-tree", "-r", "--name-only", ref, "--", ...inputs)
    .split("\n")
    .filter((file) => file.endsWith(PROTOCOL_SUFFIX));
  const sources: Record<string, string> = {};
  for (const file of listed) sources[file] = git("show", `${ref}:./${file}`);
  return [listed, { cwd, sources }];
}

function against(ref: string): string {
  return JSON.stringify(ref);
}
