/**
 * Reads `host:port`, `host port`, or nothing (127.0.0.1:5071, repod's
 * default) from the command line, plus `--flag value` options.
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defaults } from "repod";

export interface Args {
  host: string;
  port: number;
  flags: Map<string, string>;
}

export function parseArgs(argv: string[] = process.argv.slice(2)): Args {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith("--")) {
      const [name, inline] = arg.slice(2).split("=", 2) as [string, string | undefined];
      const next = argv[i + 1];
      if (inline !== undefined) flags.set(name, inline);
      else if (next !== undefined && !next.startsWith("--")) flags.set(name, argv[++i]!);
      else flags.set(name, "true");
    } else positional.push(arg);
  }
  let host = defaults.DEFAULT_HOST;
  let port = defaults.DEFAULT_PORT;
  const [first, second] = positional;
  if (first !== undefined) {
    const colon = first.lastIndexOf(":");
    if (colon > 0) {
      host = first.slice(0, colon);
      port = Number(first.slice(colon + 1));
    } else if (/^\d+$/.test(first)) port = Number(first);
    else host = first;
  }
  if (second !== undefined) port = Number(second);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`not a port: ${port}`);
  return { host, port, flags };
}

/** True when `moduleUrl` is the script node was started with (not imported by a test). */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && fileURLToPath(moduleUrl) === resolve(script);
}
