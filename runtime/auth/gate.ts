/**
 * Authentication before a channel is admitted. When the server has an
 * `authenticate` hook, every new channel waits here: it is not among the
 * server's channels, no handler runs for it and no broadcast reaches it,
 * until the hook has accepted the credential its client presented.
 *
 * A client presents a credential in one of two ways:
 *
 * - ours, in its `_hello` (`connect(target, { auth })`): the server answers
 *   `_welcome` once accepted, and only then does the client raise `connected`;
 * - a Python repod client (or ours without a credential), with its first
 *   message, when the server names that message's action (`authAction`):
 *   the message's fields are the credential, and the message itself is not
 *   dispatched. Messages that arrive while the hook runs wait, in order, and
 *   are dispatched after `onConnect`.
 *
 * A client that presents nothing (or something else first) within
 * `authTimeoutMs` is refused. A refused client is told why — a `_error`
 * control frame for ours, an `{"action": "error", "code": "AUTH_FAILED",
 * "message": …}` message for a Python peer — and closed. The credential is
 * never logged nor put in an error message.
 */
import { handlerFailed } from "../dispatch.ts";
import { RepodError } from "../errors.ts";
import type { Link } from "../link.ts";
import type { Logger } from "../logging.ts";
import type { Message, Validator } from "../protocol.ts";
import type { Clock, TimerHandle } from "../session/clock.ts";
import { ERROR, WELCOME } from "../session/control.ts";
import { encodeFrame } from "../wire/codec.ts";

/** What `authenticate` learns about the connection besides the credential. */
export interface AuthInfo {
  /** The client's address and port, as `channel.addr`. */
  readonly addr: [string, number];
  /** `"tcp"` or `"websocket"`. */
  readonly transport: string;
  /** How the credential came: in our client's greeting (`"hello"`), or as the first message (`"message"`, a Python repod client). */
  readonly via: "hello" | "message";
  /** The id the channel will have. */
  readonly id: string;
}

const REFUSED: unique symbol = Symbol("refused");

/** What `authenticate` returns to turn a client away; make one with {@link refuse}. */
export interface Refusal {
  readonly [REFUSED]: string;
}

/**
 * Turns a client away from `authenticate`: it gets AUTH_FAILED with `reason`
 * and is closed. Say what is wrong, never echo the credential.
 */
export function refuse(reason: string): Refusal {
  return { [REFUSED]: reason };
}

function isRefusal(value: unknown): value is Refusal {
  return typeof value === "object" && value !== null && REFUSED in value;
}

/** What the gate needs from its server. */
export interface GateHost<C> {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timeoutMs: number;
  /** The action whose first message is a plain peer's credential; undefined when only `_hello` carries one. */
  readonly action: string | undefined;
  /** Checks a credential against the protocol's `Auth`; undefined when it declares none. */
  readonly validate: Validator | undefined;
  /** Most bytes of messages kept while the hook runs. */
  readonly maxHeldBytes: number;
  /** Calls the game's hook. */
  authenticate(credential: unknown, info: AuthInfo): unknown;
  /** The channel is accepted (and settled): admit it, then hand it the messages that waited. */
  admit(channel: C, held: readonly Message[]): void;
  /** The channel was refused: log it and tell `onError`. */
  refused(channel: C, error: RepodError): void;
  /** The hook threw. */
  failed(channel: C, error: RepodError): void;
}

/** What the gate needs of a channel. */
export interface Gated {
  readonly id: string;
  readonly link: Link;
  readonly addr: [string, number];
  user: unknown;
}

interface Entry<C> {
  readonly channel: C;
  state: "waiting" | "checking" | "accepted";
  /** The sessions said this connection is not a resume of another. */
  settled: boolean;
  /** The peer said `_hello`: one of our clients. */
  ours: boolean;
  via: "hello" | "message";
  held: Message[];
  heldBytes: number;
  timer: TimerHandle | undefined;
}

export class Gate<C extends Gated> {
  private readonly entries = new Map<C, Entry<C>>();

  constructor(private readonly host: GateHost<C>) {}

  /** A new connection's channel: it waits for a credential. */
  start(channel: C): void {
    const entry: Entry<C> = { channel, state: "waiting", settled: false, ours: false, via: "message", held: [], heldBytes: 0, timer: undefined };
    this.entries.set(channel, entry);
    const ms = this.host.timeoutMs;
    entry.timer = this.host.clock.setTimeout(() => {
      if (this.entries.get(channel) !== entry || entry.state === "accepted") return;
      // A connection that resumed another session left this channel: nothing to refuse.
      if (channel.link.transport === null) return this.forget(channel);
      this.refuse(entry, entry.state === "waiting" ? `no credential was presented within ${ms} ms` : `authentication did not finish within ${ms} ms`);
    }, ms);
  }

  /** True while `channel` waits here (not yet admitted). */
  has(channel: C): boolean {
    return this.entries.has(channel);
  }

  /** Our client's `_hello`, with or without a credential. */
  hello(channel: C, message: Record<string, unknown>): void {
    const entry = this.entries.get(channel);
    if (entry === undefined || entry.ours) return;
    entry.ours = true;
    if (entry.state !== "waiting") return;
    if (message.auth !== undefined) return this.check(entry, message.auth, "hello");
    if (this.host.action === undefined) this.refuse(entry, "this server requires a credential: connect with { auth }");
    // Otherwise its first `action` message is the credential.
  }

  /** The sessions said the connection is not a resume: it may be admitted once accepted. */
  settle(channel: C): void {
    const entry = this.entries.get(channel);
    if (entry === undefined || entry.settled) return;
    entry.settled = true;
    if (entry.state === "accepted") this.finish(entry);
  }

  /** An application message from a channel that waits here: taken as the credential, held, or dropped. */
  message(channel: C, message: Message, bytes: number): void {
    const entry = this.entries.get(channel);
    if (entry === undefined) return;
    if (entry.state === "waiting") {
      if (message.action !== this.host.action) {
        const expected = this.host.action === undefined ? "connect with { auth }" : `send "${this.host.action}" first`;
        return this.refuse(entry, `"${message.action}" came before a credential: this server requires one (${expected})`);
      }
      const { action: _, ...credential } = message as Message & Record<string, unknown>;
      return this.check(entry, credential, "message");
    }
    if (entry.heldBytes + bytes > this.host.maxHeldBytes) {
      return this.refuse(entry, `more than ${this.host.maxHeldBytes} bytes were sent while the credential was being checked`);
    }
    entry.held.push(message);
    entry.heldBytes += bytes;
  }

  /** The channel is gone (closed, or its connection resumed another session): forget it. */
  forget(channel: C): void {
    const entry = this.entries.get(channel);
    if (entry === undefined) return;
    this.entries.delete(channel);
    this.host.clock.clearTimeout(entry.timer);
  }

  /** The server is stopping: forgets every waiting channel and returns them. */
  clear(): C[] {
    const channels = [...this.entries.keys()];
    for (const entry of this.entries.values()) this.host.clock.clearTimeout(entry.timer);
    this.entries.clear();
    return channels;
  }

  private check(entry: Entry<C>, credential: unknown, via: "hello" | "message"): void {
    entry.via = via;
    const validate = this.host.validate;
    if (validate !== undefined) {
      let problem: string | undefined;
      if (typeof credential !== "object" || credential === null || Array.isArray(credential) || credential instanceof Uint8Array) {
        problem = "expected a map";
      } else {
        try {
          problem = validate(credential as Record<string, unknown>);
        } catch {
          problem = "it could not be checked";
        }
      }
      if (problem !== undefined) return this.refuse(entry, `the credential does not match the protocol's Auth: ${problem}`);
    }
    entry.state = "checking";
    const channel = entry.channel;
    const info: AuthInfo = { addr: channel.addr, transport: channel.link.transport?.kind ?? "", via, id: channel.id };
    let outcome: unknown;
    try {
      outcome = this.host.authenticate(credential, info);
    } catch (error) {
      return this.hookFailed(entry, error);
    }
    if (typeof (outcome as Promise<unknown> | undefined)?.then === "function") {
      (outcome as Promise<unknown>).then(
        (result) => this.decided(entry, result),
        (error: unknown) => this.hookFailed(entry, error),
      );
    } else this.decided(entry, outcome);
  }

  private hookFailed(entry: Entry<C>, error: unknown): void {
    if (this.entries.get(entry.channel) !== entry) return;
    this.host.failed(entry.channel, handlerFailed("authenticate", error, "authenticate"));
    this.refuse(entry, "the server could not check the credential");
  }

  private decided(entry: Entry<C>, result: unknown): void {
    if (this.entries.get(entry.channel) !== entry || entry.state !== "checking") return; // closed, refused or timed out meanwhile
    if (isRefusal(result)) return this.refuse(entry, result[REFUSED]);
    entry.channel.user = result;
    entry.state = "accepted";
    this.host.clock.clearTimeout(entry.timer);
    entry.timer = undefined;
    if (entry.via === "hello") entry.channel.link.sendControl(encodeFrame({ action: WELCOME }));
    if (entry.settled) this.finish(entry);
  }

  private finish(entry: Entry<C>): void {
    this.entries.delete(entry.channel);
    this.host.admit(entry.channel, entry.held);
  }

  private refuse(entry: Entry<C>, reason: string): void {
    this.forget(entry.channel);
    const link = entry.channel.link;
    const error = new RepodError("AUTH_FAILED", reason, { remote: link.remote });
    this.host.refused(entry.channel, error);
    // Ours reads a control frame; a Python repod client gets an ordinary message its Network_error sees.
    link.sendControl(encodeFrame(entry.ours ? { action: ERROR, code: error.code, message: reason } : { action: "error", code: error.code, message: reason }));
    link.close();
  }
}
