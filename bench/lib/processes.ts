/**
 * Child processes of a run: each server and each load generator lives in a
 * process of its own, spoken to over IPC.
 */
import { type ChildProcess, fork } from "node:child_process";
import { bundle, ROOT } from "./build.ts";

export interface Child {
  readonly pid: number;
  /** Sends an IPC message. */
  send(message: object): void;
  /** Calls `handler` for every IPC message of `type` (instead of keeping it for `next`). */
  on(type: string, handler: (message: Record<string, unknown>) => void): void;
  /** The next IPC message of `type` (rejects if the process exits first, or after `timeoutMs`). */
  next<T = Record<string, unknown>>(type: string, timeoutMs?: number): Promise<T>;
  /** Asks the process to stop, kills it after `graceMs`, resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface ForkOptions {
  /** Extra node flags (e.g. `--cpu-prof`). */
  execArgv?: string[];
  env?: Record<string, string>;
}

/** Bundles `entry` (path from the repository root) and starts it with `args`. */
export async function start(entry: string, args: string[] = [], options: ForkOptions = {}): Promise<Child> {
  const file = await bundle(entry);
  const child = fork(file, args, {
    cwd: ROOT,
    execArgv: ["--expose-gc", ...(options.execArgv ?? [])],
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return wrap(child, entry);
}

interface Waiter {
  type: string;
  resolve(message: Record<string, unknown>): void;
  reject(error: Error): void;
}

function wrap(child: ChildProcess, name: string): Child {
  const inbox: Array<Record<string, unknown>> = [];
  const waiters = new Set<Waiter>();
  const handlers = new Map<string, (message: Record<string, unknown>) => void>();
  let failure: Error | null = null;
  const fail = (error: Error): void => {
    failure ??= error;
    for (const waiter of waiters) waiter.reject(failure);
    waiters.clear();
  };
  const exit = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      fail(new Error(`${name} exited (${signal ?? code})`));
      resolve();
    }),
  );
  let exited = false;
  void exit.then(() => (exited = true));
  // A process that already went away cannot be told anything (EPIPE); its exit says the rest.
  child.on("error", () => {});
  const tell = (message: object): void => {
    if (child.connected) child.send(message, () => {});
  };
  child.on("message", (message: Record<string, unknown>) => {
    if (message.type === "failed") return fail(new Error(`${name} failed: ${message.message}`));
    const handler = handlers.get(message.type as string);
    if (handler) return handler(message);
    for (const waiter of waiters) {
      if (waiter.type !== message.type) continue;
      waiters.delete(waiter);
      return waiter.resolve(message);
    }
    inbox.push(message);
  });
  return {
    pid: child.pid!,
    send: tell,
    on: (type, handler) => void handlers.set(type, handler),
    next<T>(type: string, timeoutMs = 120_000): Promise<T> {
      const at = inbox.findIndex((message) => message.type === type);
      if (at >= 0) return Promise.resolve(inbox.splice(at, 1)[0] as T);
      if (failure) return Promise.reject(failure);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`${name}: no "${type}" message within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter: Waiter = {
          type,
          resolve: (message) => {
            clearTimeout(timer);
            resolve(message as T);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        };
        waiters.add(waiter);
      });
    },
    async stop(graceMs = 5000): Promise<void> {
      if (exited) return;
      tell({ type: "stop" });
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}
