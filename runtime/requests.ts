/**
 * Requests: ask the other side and await its answer. Both sides of a
 * conversation (a server's Channel, a client's ConnectionListener) ask with
 * `request()` and answer with `Request_<action>` handlers.
 *
 * On the wire a request is an ordinary message with a reserved id key, and
 * its answer an ordinary frame with the reserved action `_reply`; both are
 * application frames, counted and retained by the session like any message,
 * so a request in flight across a broken connection is answered exactly once
 * after the resume.
 *
 * ```
 * asker  ─▶ {action: "join", _rid: 7, room: "red"}             Request_join(data) runs on the other side
 * answer ─▶ {action: "_reply", _rid: 7, reply: {seat: 3}}       resolves the asker's promise
 *        or {action: "_reply", _rid: 7, error: "seat taken"}    rejects it with REQUEST_FAILED
 * ```
 *
 * A Python repod peer answers a request in its `Network_<action>` handler by
 * sending the `_reply` map itself, and asks by sending a message with `_rid`.
 */
import { REPLY_ACTION, REQUEST_ID_KEY } from "./constants.ts";
import { dispatch, handlerFailed } from "./dispatch.ts";
import { RepodError } from "./errors.ts";
import { describeValue, type Message, type Validator } from "./protocol.ts";
import { type Clock, systemClock, unref } from "./session/clock.ts";

/** Options of one `request()`. */
export interface RequestOptions {
  /**
   * Reject with REQUEST_TIMEOUT when no answer came within this long; 0
   * waits as long as the connection lives.
   * @default the side's `requestTimeoutMs` (10000)
   */
  timeoutMs?: number;
  /** Rejects the request with ABORTED when this signal aborts (a late answer is then ignored). */
  signal?: AbortSignal;
}

/**
 * Thrown by a `Request_<action>` handler to refuse the request: the asker's
 * promise rejects with REQUEST_FAILED and this message as its `reason`. Any
 * other error a handler throws reaches the asker only as "the request
 * failed", never with its message or stack; the answering side reports it as
 * HANDLER_FAILED.
 *
 * @example
 * ```ts
 * Request_join(data: GameClientRequests["join"]) {
 *   if (this.server.full) throw new RequestError("the room is full");
 *   return { seat: this.server.seat(this) };
 * }
 * ```
 */
export class RequestError extends Error {
  override readonly name = "RequestError";
}

/** What the asking side needs from its owner. */
export interface RequestHost {
  /** Sends a request message (counted and retained like any message); returns 0 when the connection is closed for good. */
  send(message: Message & Record<string, unknown>): number;
  /** `host:port` of the peer, for error messages. */
  remote(): string;
  /** Validators of replies by the request's action (checking the `_reply` frame); null when validation is off. */
  readonly replies: ReadonlyMap<string, Validator> | null;
  /** The default of `timeoutMs`. */
  readonly timeoutMs: number;
  /** What timeouts run on (tests move it by hand). @default the system clock */
  readonly clock?: Clock;
}

interface Pending {
  readonly action: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: RepodError) => void;
  /** When it times out (ms on the host's clock); Infinity for never. */
  readonly deadline: number;
  readonly timeoutMs: number;
  /** The connection break count when it was asked (see `markBreak`). */
  readonly breaks: number;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * The requests one side has asked and not yet had answered.
 *
 * Timeouts share one timer, armed for the earliest deadline, rather than
 * one timer per request: a request then costs no timer of its own.
 */
export class Requests {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private timer: unknown;
  /** The deadline the timer is armed for; Infinity when it is not armed. */
  private armedFor = Infinity;
  /** Connection breaks so far (see `markBreak`). */
  private breaks = 0;

  private readonly clock: Clock;

  constructor(private readonly host: RequestHost) {
    this.clock = host.clock ?? systemClock;
  }

  /** Requests waiting for their answer. */
  get size(): number {
    return this.pending.size;
  }

  /** Sends a request; resolves with the reply, or rejects with a RepodError. */
  ask(action: string, data: object | undefined, options: RequestOptions = {}): Promise<unknown> {
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(aborted(action, signal));
    const id = ++this.nextId;
    const message: Message & Record<string, unknown> = { ...(data as Record<string, unknown> | undefined), action, [REQUEST_ID_KEY]: id };
    return new Promise<unknown>((resolve, reject) => {
      let sent: number;
      try {
        sent = this.host.send(message);
      } catch (error) {
        reject(error);
        return;
      }
      if (sent === 0) {
        reject(new RepodError("CONNECT_FAILED", `cannot send the request "${action}": the connection is closed`, { action }));
        return;
      }
      const timeoutMs = options.timeoutMs ?? this.host.timeoutMs;
      const deadline = timeoutMs > 0 ? this.clock.now() + timeoutMs : Infinity;
      const entry: Pending = { action, resolve, reject, deadline, timeoutMs, breaks: this.breaks, signal, onAbort: undefined };
      this.pending.set(id, entry);
      if (deadline < this.armedFor) this.arm(deadline);
      if (signal !== undefined) {
        entry.onAbort = () => this.settle(id)?.reject(aborted(action, signal));
        signal.addEventListener("abort", entry.onAbort, { once: true });
      }
    });
  }

  /**
   * A `_reply` frame arrived: settles its request. A reply to a request that
   * is no longer waiting (timed out, aborted) is ignored.
   */
  answered(message: Record<string, unknown>): void {
    const id = message[REQUEST_ID_KEY];
    if (typeof id !== "number") return;
    const entry = this.settle(id);
    if (entry === undefined) return;
    const { action } = entry;
    if (message.error !== undefined) {
      const reason = typeof message.error === "string" ? message.error : "the request failed";
      const code = message.code === "INVALID_PAYLOAD" ? "INVALID_PAYLOAD" : "REQUEST_FAILED";
      entry.reject(new RepodError(code, `the request "${action}" failed: ${reason}`, { action, remote: this.host.remote(), reason }));
      return;
    }
    const validate = this.host.replies?.get(action);
    if (validate !== undefined) {
      let problem: string | undefined;
      try {
        problem = validate(message);
      } catch (error) {
        problem = `could not be checked: ${error instanceof Error ? error.message : String(error)}`;
      }
      if (problem !== undefined) {
        entry.reject(new RepodError("INVALID_PAYLOAD", `invalid reply to "${action}": ${problem}`, { action, remote: this.host.remote() }));
        return;
      }
    }
    entry.resolve(message.reply ?? null);
  }

  /**
   * The connection broke: requests asked from now on were sent (or queued)
   * after the break, so a fresh session that replaces this one still sends them.
   */
  markBreak(): void {
    this.breaks++;
  }

  /** Selects the requests asked before the last break, for `failAll`. */
  readonly askedBeforeBreak = (entry: { readonly breaks: number }): boolean => entry.breaks < this.breaks;

  /**
   * The connection is over for good (or the session it was asked in): every
   * waiting request — or those `which` selects — rejects with why (or CONNECT_FAILED).
   */
  failAll(error: RepodError | undefined, which?: (entry: Pending) => boolean): void {
    if (this.pending.size === 0) return;
    for (const [id, waiting] of [...this.pending]) {
      if (which !== undefined && !which(waiting)) continue;
      const entry = this.settle(id)!;
      const why = error?.message ?? "the connection closed";
      entry.reject(
        new RepodError(error?.code ?? "CONNECT_FAILED", `the request "${entry.action}" was not answered: ${why}`, { action: entry.action, cause: error }),
      );
    }
  }

  /** Takes a request out of the waiting ones, removing its abort listener. */
  private settle(id: number): Pending | undefined {
    const entry = this.pending.get(id);
    if (entry === undefined) return undefined;
    this.pending.delete(id);
    if (entry.onAbort !== undefined) entry.signal?.removeEventListener("abort", entry.onAbort);
    // The timer stays armed even when nothing waits any more: when it fires it finds nothing and is not armed again.
    // Clearing and arming it anew for each request would cost each one a timer.
    return entry;
  }

  /** Arms the shared timer for `deadline`. */
  private arm(deadline: number): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.armedFor = deadline;
    this.timer = this.clock.setTimeout(() => this.expire(), Math.max(0, deadline - this.clock.now()));
    // It never keeps a Node process alive by itself: a waiting request has a connection that does.
    unref(this.timer);
  }

  /** The timer fired: every request past its deadline rejects with REQUEST_TIMEOUT; the timer is armed for the next. */
  private expire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = this.clock.now();
    let next = Infinity;
    for (const [id, entry] of this.pending) {
      if (entry.deadline <= now) {
        this.settle(id);
        entry.reject(
          new RepodError("REQUEST_TIMEOUT", `no answer to the request "${entry.action}" within ${entry.timeoutMs} ms`, {
            action: entry.action,
            remote: this.host.remote(),
          }),
        );
      } else if (entry.deadline < next) next = entry.deadline;
    }
    if (next < Infinity && this.pending.size > 0) this.arm(next);
  }
}

function aborted(action: string, signal: AbortSignal): RepodError {
  return new RepodError("ABORTED", `the request "${action}" was aborted`, { action, cause: signal.reason });
}

/** Builds the `_reply` frame's message for an answer. */
function replyMessage(id: unknown, reply: unknown): Message & Record<string, unknown> {
  return { action: REPLY_ACTION, [REQUEST_ID_KEY]: id, reply: reply === undefined ? null : reply };
}

function refusalMessage(id: unknown, reason: string, code?: string): Message & Record<string, unknown> {
  return code === undefined
    ? { action: REPLY_ACTION, [REQUEST_ID_KEY]: id, error: reason }
    : { action: REPLY_ACTION, [REQUEST_ID_KEY]: id, error: reason, code };
}

/** Handler names `Request_<action>`, built once per action. */
const requestHandlerNames = new Map<string, string>();

let lastAction = "";
let lastName = "";

function requestHandlerName(action: string): string {
  // Games ask the same request in runs: a string compare beats hashing a freshly decoded key.
  if (action === lastAction) return lastName;
  let name = requestHandlerNames.get(action);
  if (name === undefined) {
    name = `Request_${action}`;
    if (requestHandlerNames.size < 10_000) requestHandlerNames.set(action, name);
  }
  lastAction = action;
  lastName = name;
  return name;
}

/**
 * Delivers one arrived message on a side that asks and answers: a `_reply`
 * settles a request of `requests`; a message carrying a request id goes to
 * `Request_<action>` and its result is sent back with `send`; anything else
 * (and a request without a `Request_<action>` handler, as in Python repod)
 * is dispatched to `Network_<action>` as usual.
 */
export function deliver(
  target: object,
  message: Message & Record<string, unknown>,
  requests: Requests | undefined,
  send: (message: Message & Record<string, unknown>) => number,
  report: (error: RepodError) => void,
): void {
  const id = message[REQUEST_ID_KEY];
  if (id === undefined) {
    if (message.action === REPLY_ACTION) requests?.answered(message);
    else dispatch(target, message, report);
    return;
  }
  const action = message.action;
  if (action === REPLY_ACTION) {
    requests?.answered(message);
    return;
  }
  const handler = (target as Record<string, unknown>)[requestHandlerName(action)];
  if (typeof handler !== "function") {
    dispatch(target, message, report);
    return;
  }
  // The id goes back in the answer: only what any frame can carry back is taken.
  if (!(typeof id === "string" || Number.isSafeInteger(id))) {
    report(
      new RepodError("INVALID_PAYLOAD", `invalid "${action}": a request's "${REQUEST_ID_KEY}" is an integer or a string, got ${describeValue(id)}`, { action }),
    );
    return;
  }
  let result: unknown;
  try {
    result = (handler as (data: unknown) => unknown).call(target, message);
  } catch (error) {
    refuse(send, report, action, id, error);
    return;
  }
  if (result !== null && typeof result === "object" && typeof (result as Promise<unknown>).then === "function") {
    (result as Promise<unknown>).then(
      (reply) => answer(send, report, action, id, reply),
      (error: unknown) => refuse(send, report, action, id, error),
    );
  } else {
    answer(send, report, action, id, result);
  }
}

type Send = (message: Message & Record<string, unknown>) => number;

/** Sends a handler's reply. */
function answer(send: Send, report: (error: RepodError) => void, action: string, id: unknown, reply: unknown): void {
  try {
    send(replyMessage(id, reply));
  } catch (error) {
    // The reply cannot be encoded (a Date, a function…): the game's bug, reported here; the asker learns only that it failed.
    report(handlerFailed(action, error, `Request_${action}`));
    sendSafely(send, report, action, refusalMessage(id, "the reply could not be sent"));
  }
}

/** Sends an answer the runtime made itself; a failure (the connection's queue full) is reported, never thrown into dispatch. */
function sendSafely(send: Send, report: (error: RepodError) => void, action: string, message: Message & Record<string, unknown>): void {
  try {
    send(message);
  } catch (error) {
    report(error instanceof RepodError ? error : handlerFailed(action, error, `Request_${action}`));
  }
}

/** Sends a refusal: a RequestError's message, or only "the request failed" for anything else (reported here in full). */
function refuse(send: Send, report: (error: RepodError) => void, action: string, id: unknown, error: unknown): void {
  if (error instanceof RequestError) {
    sendSafely(send, report, action, refusalMessage(id, error.message));
    return;
  }
  report(handlerFailed(action, error, `Request_${action}`));
  sendSafely(send, report, action, refusalMessage(id, "the request failed"));
}

/**
 * Answers a request that arrived invalid (INVALID_PAYLOAD) with what is
 * wrong, so that its asker does not wait for a timeout.
 */
export function refuseInvalid(message: Record<string, unknown>, problem: string, send: (message: Message & Record<string, unknown>) => number): void {
  const id = message[REQUEST_ID_KEY];
  if (id === undefined || message.action === REPLY_ACTION) return;
  try {
    send(refusalMessage(id, problem, "INVALID_PAYLOAD"));
  } catch {
    // An id msgpack cannot carry back cannot be answered.
  }
}
