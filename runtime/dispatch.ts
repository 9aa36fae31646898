/**
 * Dispatch: calls `Network_<action>(message)` on a channel or listener, or
 * its `networkReceived(message)` when it has no such handler — repod's rule.
 * A handler that throws, or returns a promise that rejects, is reported as
 * HANDLER_FAILED; the caller's loop goes on with the next message.
 */
import { RepodError } from "./errors.ts";
import type { Message } from "./protocol.ts";

const handlerNames = new Map<string, string>();

let lastAction = "";
let lastName = "";

/** `Network_<action>`, built once per action. */
export function handlerName(action: string): string {
  // Games send runs of the same action: a string compare beats hashing a freshly decoded key.
  if (action === lastAction) return lastName;
  let name = handlerNames.get(action);
  if (name === undefined) {
    name = `Network_${action}`;
    if (handlerNames.size < 10_000) handlerNames.set(action, name);
  }
  lastAction = action;
  lastName = name;
  return name;
}

type Handler = (data: Message) => unknown;

/** Where a failed handler is reported: a function, or an object's `problem` method (no closure needed). */
export type ErrorReport = ((error: RepodError) => void) | { problem(error: RepodError): void };

function reportTo(report: ErrorReport, error: RepodError): void {
  if (typeof report === "function") report(error);
  else report.problem(error);
}

/**
 * Delivers `message` to `target`. Returns false when neither a handler nor
 * `networkReceived` took it.
 */
export function dispatch(target: object, message: Message, report: ErrorReport): boolean {
  const t = target as Record<string, unknown>;
  let handler = t[handlerName(message.action)];
  if (typeof handler !== "function") {
    handler = t.networkReceived;
    if (typeof handler !== "function") return false;
  }
  try {
    const result = (handler as Handler).call(target, message);
    if (result !== undefined && typeof (result as Promise<unknown>)?.then === "function") {
      (result as Promise<unknown>).then(undefined, (error: unknown) => reportTo(report, handlerFailed(message.action, error)));
    }
  } catch (error) {
    reportTo(report, handlerFailed(message.action, error));
  }
  return true;
}

/** Wraps what a user's handler threw. */
export function handlerFailed(action: string, error: unknown, hook = `Network_${action}`): RepodError {
  const why = error instanceof Error ? error.message : String(error);
  return new RepodError("HANDLER_FAILED", `${hook} threw: ${why}`, { action, cause: error });
}
