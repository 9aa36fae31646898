/**
 * `repod playground`: serves the protocol playground on localhost and prints
 * its address; runs until Ctrl-C.
 *
 * ```
 * repod playground <protocol files or folders...> [--connect host:port | ws://…] [--port N] [--host H]
 * ```
 */
import { parseArgs } from "node:util";
import { type CliIo, EXIT } from "../commands/command.ts";
import { CodegenError, formatDiagnostic } from "../diagnostics.ts";
import { findProtocolFiles } from "../files.ts";
import { DEFAULT_PLAYGROUND_PORT, startPlayground } from "./playground.ts";

export const PLAYGROUND_USAGE = `usage: repod playground <protocol files or folders...> [--connect host:port | ws://host:port/path] [--port N] [--host H]

  --connect     the server to play against (default 127.0.0.1:5071): host:port is its TCP
                port, reached through the playground; ws://… is reached by the browser directly
  --port        port of the playground's page (default ${DEFAULT_PLAYGROUND_PORT}; 0 picks a free one)
  --host        address of the playground's page (default 127.0.0.1)`;

/**
 * Runs `repod playground` with `argv` (after the word `playground`); resolves
 * to the exit code once stopped: by `io.signal`, else by SIGINT or SIGTERM.
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  // biome-ignore lint/suspicious/noImplicitAnyLet: typed by the parseArgs call it is assigned in the try below
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        connect: { type: "string", short: "c" },
        port: { type: "string", short: "p" },
        host: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    io.err(`repod playground: ${(error as Error).message}\n${PLAYGROUND_USAGE}`);
    return EXIT.USAGE;
  }
  if (parsed.values.help) {
    io.out(PLAYGROUND_USAGE);
    return EXIT.OK;
  }
  if (parsed.positionals.length === 0) {
    io.err(`repod playground: name protocol files or folders\n${PLAYGROUND_USAGE}`);
    return EXIT.USAGE;
  }
  const port = parsed.values.port === undefined ? DEFAULT_PLAYGROUND_PORT : Number(parsed.values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.err(`repod playground: --port must be a port number, got "${parsed.values.port}"`);
    return EXIT.USAGE;
  }
  const connect = parsed.values.connect;
  if (connect !== undefined && !/^wss?:\/\//i.test(connect) && !/^\[?[^\]/]+\]?:\d+$/.test(connect)) {
    io.err(`repod playground: --connect takes host:port or a ws:// URL, got "${connect}"`);
    return EXIT.USAGE;
  }
  // biome-ignore lint/suspicious/noImplicitAnyLet: typed by the start() call it is assigned in the try below
  let playground;
  try {
    const files = findProtocolFiles(parsed.positionals, io.cwd);
    if (files.length === 0) {
      io.err(`repod playground: no *.protocol.ts file in ${parsed.positionals.join(", ")}`);
      return EXIT.FAILED;
    }
    playground = await startPlayground({ files, connect, port, host: parsed.values.host, cwd: io.cwd });
  } catch (error) {
    if (error instanceof CodegenError) {
      for (const d of error.diagnostics) io.err(formatDiagnostic(d));
      io.err(`repod playground: ${error.diagnostics.length} problem${error.diagnostics.length === 1 ? "" : "s"} in the protocol files`);
    } else io.err(`repod playground: ${(error as Error).message}`);
    return EXIT.FAILED;
  }
  io.out(`repod playground: ${playground.protocols.map((p) => p.name).join(", ")} against ${connect ?? "127.0.0.1:5071"}`);
  io.out(`open ${playground.url}  (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    if (io.signal !== undefined) io.signal.addEventListener("abort", () => resolve(), { once: true });
    else {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    }
  });
  await playground.close();
  return EXIT.OK;
}
