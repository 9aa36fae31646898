/**
 * The processes of a cluster test: server scripts of this repository, each
 * in a child process of its own (so a crash is a real SIGKILL and a deploy a
 * real SIGTERM), and a redis-server for them to share.
 *
 * A server script takes its own arguments, listens on a port of its choice
 * (port 0) and prints ONE line `{"listening":<port>}` on stdout when ready.
 * Everything else it prints is kept (the last 16 KiB) for failure messages.
 *
 * No process outlives the test: every child started here is watched by a
 * tiny `sh` that holds a pipe from this process and SIGKILLs the child when
 * the pipe ends (this process exited, however it died); `stopAll()` in an
 * `afterAll` kills whatever a test left running, and an exit hook of this
 * process does the same.
 *
 * ```ts
 * afterAll(stopAll);
 * const redis = await startRedis();
 * const a = await startServer("test/cluster/fixtures/server.ts", ["--port", "0", "--redis", redis.url]);
 * expect(await a.stop()).toBe(0); // SIGTERM: a planned stop
 * await b.kill();                 // SIGKILL: a crash
 * ```
 */
import { type ChildProcess, spawn } from "node:child_process";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";
import { RedisServer } from "../helpers/redis-server.ts";
import { PATIENCE_MS } from "../helpers/wait.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const TAIL_BYTES = 16_384;

export interface ServerProcess {
  /** The port from its `{"listening":port}` line. */
  readonly port: number;
  readonly pid: number;
  /** Whether it has exited. */
  readonly exited: boolean;
  /** SIGTERM (a planned stop); resolves with the exit code (128 + signal number if a signal ended it). Past `timeoutMs` it is killed and this rejects. */
  stop(timeoutMs?: number): Promise<number>;
  /** SIGKILL (a crash); resolves once the process is gone. */
  kill(): Promise<void>;
  /** The last 16 KiB it wrote (stdout and stderr), for failure messages. */
  output(): string;
}

export interface StartServerOptions {
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** How long to wait for the `{"listening":port}` line. @default PATIENCE_MS (30000) */
  timeoutMs?: number;
}

export interface RedisProcess {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Stops it (SIGTERM); resolves once it is gone. */
  close(): Promise<void>;
}

/** A process started here: how to kill it, and the guard that kills it if this process dies. */
interface Watched {
  readonly guard: ChildProcess;
  /** SIGKILL now, synchronously (for the exit hook). */
  killNow(): void;
  /** Resolves once the process is gone. */
  readonly gone: Promise<void>;
}

const running = new Set<Watched>();

/** Kills every process started here that is still running (SIGKILL), and waits until they are gone. For `afterAll`. */
export async function stopAll(): Promise<void> {
  const all = [...running];
  for (const watched of all) watched.killNow();
  await Promise.all(all.map((watched) => watched.gone));
}

// A test that ends without stopAll (a crash, a forgotten afterAll): nothing is left behind.
process.once("exit", () => {
  for (const watched of running) {
    watched.killNow();
    watched.guard.kill("SIGKILL");
  }
});

/**
 * Watches process `pid`: a `sh` that reads a pipe from this process until it
 * ends and then kills `pid`, so the process dies with this one even when
 * this one is SIGKILLed itself. The guard goes when `gone` resolves.
 */
function watch(pid: number, killNow: () => void, gone: Promise<void>): Watched {
  const guard = spawn("sh", ["-c", 'cat >/dev/null; kill -9 "$0" 2>/dev/null', String(pid)], { stdio: ["pipe", "ignore", "ignore"] });
  guard.on("error", () => {});
  guard.stdin!.on("error", () => {});
  const watched: Watched = { guard, killNow, gone };
  running.add(watched);
  void gone.then(() => {
    guard.kill("SIGKILL");
    running.delete(watched);
  });
  return watched;
}

/** Resolves when `child` has exited (at once if it already has). */
function exitOf(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
  });
}

function exitCode(child: ChildProcess): number {
  if (child.exitCode !== null) return child.exitCode;
  const signal = child.signalCode;
  return signal ? 128 + (constants.signals[signal] ?? 0) : -1;
}

/**
 * Starts `script` (a path from the repository root, run by tsx with the
 * `repod-source` condition) with `args`; resolves once it printed
 * `{"listening":port}`. Rejects, with what it printed, if it exits first or
 * does not print that line within `timeoutMs` (it is then killed).
 */
export async function startServer(script: string, args: readonly string[] = [], options: StartServerOptions = {}): Promise<ServerProcess> {
  const timeoutMs = options.timeoutMs ?? PATIENCE_MS;
  const child = spawn(process.execPath, ["--conditions=repod-source", "--import", "tsx", script, ...args], {
    cwd: root,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) {
    const error = await new Promise<Error>((resolve) => child.once("error", resolve));
    throw new Error(`could not start ${script}: ${error.message}`);
  }
  const watched = watch(child.pid, () => child.kill("SIGKILL"), exitOf(child));
  let tail = "";
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString("utf8")).slice(-TAIL_BYTES);
  };
  child.stderr!.on("data", keep);
  let pending = "";
  const port = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} printed no {"listening":port} line within ${timeoutMs} ms; its output:\n${tail}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      keep(chunk);
      pending += chunk.toString("utf8");
      for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        const listening = parseListening(line);
        if (listening === undefined) continue;
        clearTimeout(timer);
        child.stdout!.off("data", onData);
        child.stdout!.on("data", keep);
        pending = "";
        return resolve(listening);
      }
    };
    child.stdout!.on("data", onData);
    void watched.gone.then(() => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${exitCode(child)}) before it was listening; its output:\n${tail}`));
    });
  });
  const listeningPort = await port;
  return {
    port: listeningPort,
    pid: child.pid,
    get exited() {
      return child.exitCode !== null || child.signalCode !== null;
    },
    async stop(stopTimeoutMs = PATIENCE_MS) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<"late">((resolve) => {
          timer = setTimeout(() => resolve("late"), stopTimeoutMs);
        });
        const outcome = await Promise.race([watched.gone, late]);
        clearTimeout(timer);
        if (outcome === "late") {
          child.kill("SIGKILL");
          await watched.gone;
          throw new Error(`${script} did not exit within ${stopTimeoutMs} ms of SIGTERM (killed); its output:\n${tail}`);
        }
      }
      return exitCode(child);
    },
    async kill() {
      child.kill("SIGKILL");
      await watched.gone;
    },
    output: () => tail,
  };
}

/** The port of a `{"listening":port}` line, or undefined for any other line. */
function parseListening(line: string): number | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const value = JSON.parse(line) as { listening?: unknown };
    return typeof value.listening === "number" && Number.isInteger(value.listening) ? value.listening : undefined;
  } catch {
    return undefined;
  }
}

/** Starts a redis-server on a free port (test/helpers/redis-server.ts), watched like the servers. */
export async function startRedis(timeoutMs = PATIENCE_MS): Promise<RedisProcess> {
  const redis = await RedisServer.start(timeoutMs);
  let markGone!: () => void;
  const gone = new Promise<void>((resolve) => (markGone = resolve));
  let stopping: Promise<void> | undefined;
  // close() and stopAll() share one stop; RedisServer.stop resolves once the process exited.
  const stop = (signal: NodeJS.Signals): Promise<void> => (stopping ??= redis.stop(signal).then(markGone));
  watch(redis.pid!, () => void stop("SIGKILL"), gone);
  return { url: redis.url, port: redis.port, close: () => stop("SIGTERM") };
}
