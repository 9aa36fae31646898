/**
 * The `repod` command line: `repod <command> [arguments]`.
 *
 * Each command lives in its own module under codegen/commands/ and is loaded
 * only when it runs, so a command that does not parse protocol files never
 * loads ts-morph. A new command is one line in {@link COMMANDS}.
 *
 * @example
 * ```sh
 * npx repod generate protocol --out generated
 * npx repod generate --help
 * ```
 */
import { type CliIo, type Command, defaultIo, EXIT } from "./commands/command.ts";

export { type CliIo, EXIT } from "./commands/command.ts";

/** A command: what `repod --help` says of it, and how to load it. */
interface CommandEntry {
  readonly summary: string;
  readonly load: () => Promise<Command>;
}

/** Every command, by the name typed after `repod`. */
const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  generate: { summary: "turn protocol files into typed TypeScript (--check for CI, --watch)", load: () => import("./commands/generate.ts") },
  breaking: {
    summary: "list the changes that break clients of an earlier version (--against <git ref or folder>)",
    load: () => import("./commands/breaking.ts"),
  },
  playground: { summary: "play a client of a protocol by hand, in the browser (--connect host:port | ws://…)", load: () => import("./playground/cli.ts") },
};

const USAGE = [
  "usage: repod <command> [arguments]",
  "",
  "commands:",
  ...Object.entries(COMMANDS).map(([name, entry]) => `  ${name.padEnd(10)} ${entry.summary}`),
  "",
  "repod <command> --help says more.",
].join("\n");

/** Runs the command line `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = defaultIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--help" || name === "-h" || name === "help") {
    io.out(USAGE);
    return EXIT.OK;
  }
  const entry = name === undefined ? undefined : Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (entry === undefined) {
    io.err(name === undefined ? USAGE : `repod: unknown command "${name}"\n${USAGE}`);
    return EXIT.USAGE;
  }
  let command: Awaited<ReturnType<typeof entry.load>>;
  try {
    command = await entry.load();
  } catch (error) {
    // `repod breaking` takes the compatibility rules from the runtime (`repod/compat`), the package's peer dependency.
    const missing = (error as { code?: unknown }).code === "ERR_MODULE_NOT_FOUND" && /['"]repod['"]/.test(String((error as Error).message));
    if (!missing) throw error;
    io.err(`repod ${name}: @repod/codegen needs the repod package installed beside it (npm install repod)`);
    return EXIT.USAGE;
  }
  return command.run(rest, io);
}
