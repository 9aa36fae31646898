/**
 * `repod generate`: protocol files in, generated TypeScript out.
 *
 * ```
 * repod generate <protocol files or folders...> --out <dir> [--check] [--watch]
 * ```
 *
 * - writes `<dir>/<name>.ts` for each `<name>.protocol.ts` (only files whose content changed);
 * - `--check` writes nothing and exits 1 naming every stale, missing or orphaned generated file (CI);
 * - `--watch` regenerates whenever a `.ts` file in the folders involved changes.
 *
 * Exit codes: 0 success, 1 problems in protocol files or stale output, 2 wrong usage.
 *
 * @example
 * ```sh
 * npx repod generate protocol --out generated
 * npx repod generate protocol --out generated --check
 * ```
 */
import { type FSWatcher, watch } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { CodegenError, formatDiagnostic } from "../diagnostics.ts";
import { compareWithDisk, findOrphans, findProtocolFiles, writeChanged } from "../files.ts";
import { type GeneratedFile, generate } from "../index.ts";
import { type CliIo, EXIT } from "./command.ts";

const USAGE = `usage: repod generate <protocol files or folders...> [--out <dir>] [--check] [--watch]

  --out <dir>   where generated files go (default: generated)
  --check       write nothing; exit 1 if a generated file is stale, missing or orphaned
  --watch       regenerate whenever a protocol file changes (Ctrl-C to stop)`;

/** Options of one `repod generate` run. */
interface GenerateCommand {
  readonly inputs: readonly string[];
  readonly outDir: string;
  readonly check: boolean;
  readonly watch: boolean;
}

/** Runs `repod generate` with `argv` (what follows `generate`); resolves to the exit code. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const command = parseCommand(argv, io);
  if (typeof command === "number") return command;
  if (!command.watch) return runOnce(command, io).code;
  return watchLoop(command, io);
}

function parseOptions(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      out: { type: "string", short: "o", default: "generated" },
      check: { type: "boolean", default: false },
      watch: { type: "boolean", short: "w", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
}

function parseCommand(argv: readonly string[], io: CliIo): GenerateCommand | number {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    io.err(`repod generate: ${(error as Error).message}\n${USAGE}`);
    return EXIT.USAGE;
  }
  const inputs = parsed.positionals;
  if (parsed.values.help) {
    io.out(USAGE);
    return EXIT.OK;
  }
  if (inputs.length === 0) {
    io.err(`repod generate: name protocol files or folders\n${USAGE}`);
    return EXIT.USAGE;
  }
  if (parsed.values.check && parsed.values.watch) {
    io.err("repod generate: --check and --watch do not go together");
    return EXIT.USAGE;
  }
  return { inputs, outDir: parsed.values.out, check: parsed.values.check, watch: parsed.values.watch };
}

/** One generation; `files` are the generated files when generation succeeded. */
function runOnce(command: GenerateCommand, io: CliIo): { code: number; files?: GeneratedFile[] } {
  let files: GeneratedFile[];
  try {
    const protocols = findProtocolFiles(command.inputs, io.cwd);
    if (protocols.length === 0) {
      io.err(`repod generate: no *.protocol.ts file in ${command.inputs.join(", ")}`);
      return { code: EXIT.FAILED };
    }
    files = generate(protocols, { cwd: io.cwd, outDir: command.outDir });
  } catch (error) {
    if (error instanceof CodegenError) {
      for (const d of error.diagnostics) io.err(formatDiagnostic(d));
      io.err(`repod generate: ${error.diagnostics.length} problem${error.diagnostics.length === 1 ? "" : "s"}; nothing written`);
    } else {
      io.err(`repod generate: ${(error as Error).message}`);
    }
    return { code: EXIT.FAILED };
  }

  const orphans = findOrphans(command.outDir, io.cwd);
  if (command.check) {
    const stale = compareWithDisk(files, io.cwd).filter((s) => s.state !== "unchanged");
    for (const s of stale) io.err(`${s.path}: ${s.state === "missing" ? "missing" : "stale"}`);
    for (const orphan of orphans) io.err(`${orphan}: its protocol file no longer exists; delete it`);
    if (stale.length + orphans.length > 0) {
      io.err("repod generate --check: generated files are out of date; run npm run generate");
      return { code: EXIT.FAILED, files };
    }
    io.out(`repod generate --check: ${files.length} file${files.length === 1 ? "" : "s"} up to date`);
    return { code: EXIT.OK, files };
  }
  const written = writeChanged(files, io.cwd);
  for (const file of written) io.out(`wrote ${file}`);
  for (const orphan of orphans) io.err(`${orphan}: its protocol file no longer exists; delete it`);
  io.out(`repod generate: ${files.length} file${files.length === 1 ? "" : "s"}, ${written.length} changed`);
  return { code: EXIT.OK, files };
}

/** Generates, then again after every change to a `.ts` file in the folders involved; ends on SIGINT. */
function watchLoop(command: GenerateCommand, io: CliIo): Promise<number> {
  const watchers = new Map<string, FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  const run = () => {
    const { files } = runOnce(command, io);
    const dirs = new Set(command.inputs.map((input) => path.resolve(io.cwd, input)));
    for (const file of files ?? []) {
      for (const type of [file.source, ...file.model.types.map((t) => t.location.file)]) {
        dirs.add(path.dirname(path.resolve(io.cwd, type)));
      }
    }
    for (const dir of dirs) {
      if (watchers.has(dir)) continue;
      try {
        watchers.set(
          dir,
          watch(dir, (_event, name) => {
            if (name !== null && !String(name).endsWith(".ts")) return;
            clearTimeout(timer);
            timer = setTimeout(run, 50);
          }),
        );
      } catch {
        // A folder that vanished meanwhile: the next run reports what is missing.
      }
    }
    io.out("repod generate: watching for changes (Ctrl-C to stop)");
  };
  run();
  return new Promise((resolve) => {
    const stop = () => {
      clearTimeout(timer);
      for (const watcher of watchers.values()) watcher.close();
      process.off("SIGINT", stop);
      resolve(EXIT.OK);
    };
    if (io.signal !== undefined) io.signal.addEventListener("abort", stop, { once: true });
    else process.once("SIGINT", stop);
  });
}
