/**
 * What every `repod` subcommand shares: where it prints, which folder it
 * works in, and its exit codes. A subcommand is a module in this folder that
 * exports {@link Command}'s `run`; codegen/cli.ts names it in its table.
 */

/** Where a command prints and which folder it works in (tests pass their own). */
export interface CliIo {
  readonly cwd: string;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Ends a long-running command (`--watch`) when aborted (tests); otherwise SIGINT ends it. */
  readonly signal?: AbortSignal;
}

/** Exit codes of every command. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

/** A subcommand's module. */
export interface Command {
  /** Runs the command with the arguments that follow its name; resolves to the exit code. */
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

/** The process's own folder and console. */
export function defaultIo(): CliIo {
  return { cwd: process.cwd(), out: (line) => console.log(line), err: (line) => console.error(line) };
}
