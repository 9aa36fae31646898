/**
 * The command line of the examples and of the repository's scripts (bench/,
 * the fuzz and soak harnesses), read with `node:util`'s `parseArgs`.
 *
 * Examples take `host:port`, `host port`, `port` or nothing (127.0.0.1:5071,
 * repod's default, unless the example has its own), then their `--options`;
 * an unknown option or a stray word ends the process (exit code 2) with a
 * usage line.
 *
 * @example
 * ```ts
 * if (isMain(import.meta.url)) {
 *   const { host, port, values } = exampleArgs({ name: { type: "string" } });
 *   // npm run chat:client -- 127.0.0.1:5071 --name ada
 * }
 * ```
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { defaults } from "repod";

/** An example's `--options`, as `node:util`'s `parseArgs` describes them. */
export type Options = NonNullable<ParseArgsConfig["options"]>;

/** Where to listen or connect, and the options given. */
export function exampleArgs<const O extends Options = Record<never, never>>(
  options: O = {} as O,
  fallback: { host: string; port: number } = { host: defaults.DEFAULT_HOST, port: defaults.DEFAULT_PORT },
  args: string[] = process.argv.slice(2),
) {
  const { values, positionals } = parseOrExit(() => {
    const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
    if (parsed.positionals.length > 2) throw new Error(`expected [host:port | host [port] | port], got ${parsed.positionals.join(" ")}`);
    return parsed;
  }, options);
  let { host, port } = fallback;
  const [first, second] = positionals;
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
  return { host, port, values };
}

/** Runs `parse`; on a bad command line prints why and a usage line naming `options`, and exits with 2. */
function parseOrExit<T>(parse: () => T, options: Options): T {
  try {
    return parse();
  } catch (error) {
    const flags = Object.entries(options).map(([name, option]) => ` [--${name}${option.type === "string" ? " VALUE" : ""}]`);
    console.error(`${(error as Error).message}\nusage: [host:port | host [port] | port]${flags.join("")}`);
    process.exit(2);
  }
}

/** A numeric option (`--seconds 30`): a finite number, or a clear error naming the option. */
export function numberOption(name: string, value: string | undefined, fallback: number): number;
export function numberOption(name: string, value: string | undefined): number | undefined;
export function numberOption(name: string, value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new Error(`--${name} takes a number, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * Options that all take numbers (`--seconds 30 --max-frame-bytes 4096`), as
 * the fuzz and soak harnesses have: `names` maps each option to its key in
 * the result. Throws `usage` with the reason on an unknown option, a value
 * that is not a number, or a negative one (zero too unless `allowZero`).
 */
export function numberOptions<const N extends Record<string, string>>(
  names: N,
  usage: string,
  { allowZero = false, args = process.argv.slice(2) }: { allowZero?: boolean; args?: string[] } = {},
): Partial<Record<N[keyof N], number>> {
  const options: Options = Object.fromEntries(Object.keys(names).map((name) => [name, { type: "string" }]));
  const result: Partial<Record<string, number>> = {};
  try {
    const { values } = parseArgs({ args, options, strict: true });
    for (const [name, value] of Object.entries(values)) {
      const n = numberOption(name, value as string);
      if (n === undefined || n < 0 || (n === 0 && !allowZero))
        throw new Error(`--${name} takes a number above ${allowZero ? "or equal to " : ""}0, got ${value}`);
      result[names[name]!] = n;
    }
  } catch (error) {
    throw new Error(`${usage} (${(error as Error).message})`);
  }
  return result as Partial<Record<N[keyof N], number>>;
}

/** True when `moduleUrl` is the script node was started with (not imported by a test or another script). */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && fileURLToPath(moduleUrl) === resolve(script);
}
