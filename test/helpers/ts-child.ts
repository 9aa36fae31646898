/**
 * Runs a TypeScript file of this repository in a child Node process (through
 * tsx, with the `repod-source` condition) with an IPC channel, for servers
 * that must live in a process of their own: a crash is then a dead process,
 * and memory and file descriptors are measured apart from the load.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

export interface TsChild {
  readonly process: ChildProcess;
  /** Resolves with the exit code (or signal name) when the child ends. */
  readonly exited: Promise<number | string>;
  /** The last 16 KiB the child wrote to stderr, for a crash report. */
  stderr(): string;
  /** Sends a message and waits for the first reply of `type`. Rejects if the child exits first or after `timeoutMs`. */
  request<T extends { type: string }>(message: object, type: T["type"], timeoutMs?: number): Promise<T>;
  /** Waits for the first message of `type`. */
  next<T extends { type: string }>(type: T["type"], timeoutMs?: number): Promise<T>;
}

export interface TsChildOptions {
  env?: Record<string, string>;
  /** Extra flags for node, e.g. `--expose-gc`. */
  nodeFlags?: string[];
  /** Wrap in `bash -c 'ulimit -Sn N; exec …'` so the child may hold N file descriptors. */
  fileLimit?: number;
  /** Pass the child's stderr through to ours as well as keeping it. @default true */
  echoStderr?: boolean;
}

/** Starts `file` (a path relative to the repository root). */
export function spawnTs(file: string, options: TsChildOptions = {}): TsChild {
  const args = ["--conditions=repod-source", "--import", "tsx", ...(options.nodeFlags ?? []), file];
  const env = { ...process.env, ...options.env };
  const stdio: ["ignore", "inherit", "pipe", "ipc"] = ["ignore", "inherit", "pipe", "ipc"];
  const child =
    options.fileLimit === undefined
      ? spawn(process.execPath, args, { cwd: root, env, stdio })
      : spawn("bash", ["-c", `ulimit -Sn ${options.fileLimit} && exec "$0" "$@"`, process.execPath, ...args], { cwd: root, env, stdio });
  let tail = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-16_384);
    if (options.echoStderr !== false) process.stderr.write(chunk);
  });
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  const next = <T extends { type: string }>(type: string, timeoutMs = 30_000): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (message: { type?: string }): void => {
        if (message?.type !== type) return;
        done();
        resolve(message as T);
      };
      const onExit = (code: number | null, signal: string | null): void => {
        done();
        reject(new Error(`${file} exited (${code ?? signal}) before sending "${type}"\n${tail}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${file} sent no "${type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        child.off("message", onMessage);
        child.off("exit", onExit);
      };
      child.on("message", onMessage);
      child.once("exit", onExit);
    });
  return {
    process: child,
    exited,
    stderr: () => tail,
    next,
    request: (message, type, timeoutMs) => {
      const reply = next<any>(type, timeoutMs);
      child.send(message);
      return reply;
    },
  };
}
