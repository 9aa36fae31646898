/**
 * A link is one side of a conversation: what a server's Channel and a
 * client share. It turns payloads from the current transport into checked
 * messages, and messages into frames on it.
 *
 * The transport under a link can change: a client's link outlives a broken
 * TCP connection, and a server re-attaches a resumed session's link to the
 * new connection (see `session/`). Frames sent while no transport is
 * attached wait in a bounded queue and leave, in order, on the next one.
 *
 * ```
 *  transport ──payload──▶ decode ▶ is it a message? ▶ control (_*) ──▶ owner.control
 *                                                  ╰▶ count ▶ validate ▶ owner.message
 *  owner.send ──frame──▶ (retained for resume) ▶ transport.write | queue while away
 * ```
 */
import { CONTROL_PREFIX } from "./constants.ts";
import { RepodError } from "./errors.ts";
import type { Message, Validator } from "./protocol.ts";
import type { Transport, TransportEvents } from "./transport/transport.ts";
import { remoteOf } from "./transport/transport.ts";
import { asMessage, decodePayload } from "./wire/codec.ts";

/** What a link reports to its owner (a Channel, a Client). */
export interface LinkOwner {
  /** A checked application message, in arrival order. */
  message(message: Message & Record<string, unknown>): void;
  /** A control frame (action starting with `_`: heartbeat, resume) or the server's `connected` greeting. */
  control(message: Message & Record<string, unknown>): void;
  /** Bad input that did not break the connection (DECODE_FAILED, NOT_A_MESSAGE, INVALID_PAYLOAD, SLOW_CONSUMER…). */
  problem(error: RepodError): void;
  /** The transport closed; `error` says why when it was not a clean close. */
  transportClosed(transport: Transport, error: RepodError | undefined): void;
}

/** Limits of one link. */
export interface LinkLimits {
  maxFrameBytes: number;
  maxBufferedBytes: number;
}

/** Hooks of a session that keeps frames for resume (see `session/`). */
export interface FrameLog {
  /** An application frame was sent (or queued): keep it until the peer acknowledges it. */
  sent(frame: Uint8Array): void;
  /** An application frame arrived. */
  received(): void;
}

const CONTROL = CONTROL_PREFIX.charCodeAt(0);

export class Link {
  private current: Transport | null = null;
  /** Frames sent while no transport was attached; they leave first on the next one. */
  private waiting: Uint8Array[] = [];
  private waitingBytes = 0;
  private closing = false;
  private firstError: RepodError | undefined;
  /** Set by a session that retains frames for resume. */
  log: FrameLog | null = null;

  constructor(
    private readonly owner: LinkOwner,
    readonly limits: LinkLimits,
    /** Validators of incoming messages by action; null when validation is off. */
    public validators: ReadonlyMap<string, Validator> | null,
  ) {}

  /** The transport carrying this link now, if any. */
  get transport(): Transport | null {
    return this.current;
  }

  /** True while a transport is attached and open. */
  get isOpen(): boolean {
    return this.current !== null && this.current.isOpen;
  }

  /** `host:port` of the peer, or "" when detached. */
  get remote(): string {
    return this.current ? remoteOf(this.current) : "";
  }

  /** Puts the link on `transport` and sends what waited for it. */
  attach(transport: Transport): void {
    this.current = transport;
    this.firstError = undefined;
    const events: TransportEvents = {
      payload: (payload) => this.receive(payload),
      error: (error) => {
        this.firstError ??= error;
      },
      problem: (error) => this.owner.problem(this.withRemote(error)),
      close: () => {
        if (this.current === transport) this.current = null;
        this.owner.transportClosed(transport, this.firstError);
      },
    };
    transport.bind(events);
    if (this.waiting.length) {
      const frames = this.waiting;
      this.waiting = [];
      this.waitingBytes = 0;
      for (const frame of frames) transport.write(frame);
    }
  }

  /** Takes the link off its transport without closing it (the session lives on). */
  detach(): Transport | null {
    const transport = this.current;
    this.current = null;
    return transport;
  }

  /**
   * Sends one encoded frame of an application message. Returns the bytes
   * written or queued; 0 when the link is closing.
   */
  send(frame: Uint8Array): number {
    if (this.closing) return 0;
    this.log?.sent(frame);
    return this.write(frame);
  }

  /** Sends a frame outside the session's count (greetings, control frames). */
  sendControl(frame: Uint8Array): number {
    if (this.closing || this.current === null) return 0;
    return this.write(frame);
  }

  /** Writes without counting: used by `send`, and by resume to resend retained frames. */
  write(frame: Uint8Array): number {
    const transport = this.current;
    if (transport === null) {
      if (this.waitingBytes + frame.length > this.limits.maxBufferedBytes) {
        throw new RepodError(
          "QUEUE_FULL",
          `${this.waitingBytes} bytes already wait for the connection to come back; maxBufferedBytes is ${this.limits.maxBufferedBytes}`,
        );
      }
      this.waiting.push(frame);
      this.waitingBytes += frame.length;
      return frame.length;
    }
    if (!transport.isOpen) return 0;
    transport.write(frame);
    if (transport.bufferedBytes > this.limits.maxBufferedBytes) {
      this.firstError ??= new RepodError(
        "SLOW_CONSUMER",
        `${transport.bufferedBytes} bytes wait for a peer that does not read them; maxBufferedBytes is ${this.limits.maxBufferedBytes}`,
        { remote: remoteOf(transport) },
      );
      transport.destroy();
    }
    return frame.length;
  }

  /** Closes after sending what is queued. Nothing more can be sent. */
  close(): void {
    this.closing = true;
    this.waiting = [];
    this.current?.end();
  }

  /** Closes now, recording why. */
  abort(error: RepodError): void {
    this.closing = true;
    this.firstError ??= error;
    this.current?.destroy();
  }

  /** Reopens a link that a deliberate close() ended, for a client that connects again. */
  reset(): void {
    if (!this.closing) return; // sends made before the first connect() keep waiting
    this.closing = false;
    this.waiting = [];
    this.waitingBytes = 0;
  }

  private receive(payload: Uint8Array): void {
    let message: Message & Record<string, unknown>;
    try {
      message = asMessage(decodePayload(payload));
    } catch (error) {
      this.log?.received();
      this.owner.problem(this.withRemote(error as RepodError));
      return;
    }
    const action = message.action;
    // Control frames and the greeting belong to the connection, not to the
    // session: they are neither counted nor validated nor dispatched here.
    if (action.charCodeAt(0) === CONTROL || action === "connected") {
      this.owner.control(message);
      return;
    }
    this.log?.received();
    const validate = this.validators?.get(action);
    if (validate !== undefined) {
      let problem: string | undefined;
      try {
        problem = validate(message);
      } catch (error) {
        // Only absurd input gets here (e.g. nesting deep enough to exhaust the stack).
        problem = `could not be checked: ${error instanceof Error ? error.message : String(error)}`;
      }
      if (problem !== undefined) {
        this.owner.problem(
          new RepodError("INVALID_PAYLOAD", `invalid "${action}": ${problem}`, { remote: this.remote, action }),
        );
        return;
      }
    }
    this.owner.message(message);
  }

  private withRemote(error: RepodError): RepodError {
    if (!(error instanceof RepodError) || error.remote || !this.current) return error;
    return new RepodError(error.code, error.message, { remote: this.remote, cause: error });
  }
}
