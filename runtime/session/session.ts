/**
 * One side's bookkeeping of a session: how many application frames it has
 * received, how many it has sent, and the sent frames the peer has not yet
 * acknowledged — exactly what must be resent after a broken connection.
 *
 * A Session is the {@link FrameLog} of a Link: the link tells it of every
 * application frame going out and coming in; control frames never reach it.
 *
 * ```
 *  sent:      1 2 3 4 5 6 7 8        sentCount = 8
 *  acked:     ───────┤               acked = 4 (the peer said "received: 4")
 *  retained:          5 6 7 8        resent after a resume saying "received: 4"
 * ```
 *
 * Retained frames are the very frames that were sent (frames are immutable
 * once encoded; a broadcast's one frame is shared by every channel), so
 * keeping them costs references, bounded by `maxRetainedBytes`. Past that
 * bound the session cannot resume any more: it stops retaining and says so.
 */
import { ACK_EVERY_BYTES, ACK_EVERY_FRAMES } from "../constants.ts";
import type { FrameLog } from "../link.ts";

const RESUMABLE = 1;
const HEARD = 2;
/** The first bit of {@link Session.flags} a subclass may use. */
export const SUBCLASS_FLAG = 4;

/** What a session asks of its owner. */
export interface SessionEvents {
  /** Enough arrived since the last acknowledgement: send one now (a heartbeat). */
  ackDue(): void;
  /** The retained frames passed `maxRetainedBytes`: the session can no longer resume. */
  overflowed?(): void;
  /** The link is closing on purpose: say goodbye so the peer does not try to resume (see `FrameLog.closing`). */
  closing?(end: () => void): boolean;
  /** The session's first application frame arrived. */
  first?(): void;
}

/**
 * The bookkeeping itself; what it asks of its owner are methods a subclass
 * implements (the server's per-connection entry is its own owner, so that
 * an idle session holds no reference to one). {@link Session} takes them as
 * an object.
 */
export abstract class SessionLog implements FrameLog {
  /** Application frames received in this session. */
  receivedCount = 0;
  /** Application frames sent (or queued) in this session. */
  sentCount = 0;
  /** How many of ours the peer has acknowledged. */
  acked = 0;
  /**
   * Yes-or-no state packed in one number, so that an idle session holds one
   * field for all of them: the bits below are Session's, a subclass may use
   * those from {@link SUBCLASS_FLAG} up.
   */
  protected flags = RESUMABLE | HEARD;
  /** Heartbeats in a row during which nothing was heard. */
  silentBeats = 0;

  private retained: Uint8Array[] = NONE;
  private head = 0;
  private retainedBytesNow = 0;
  private unackedFrames = 0;
  private unackedBytes = 0;

  /** Past this many bytes of unacknowledged frames the session stops retaining them and cannot resume. */
  abstract readonly maxRetainedBytes: number;
  /** See {@link SessionEvents.ackDue}. */
  protected abstract ackDue(): void;
  /** See {@link SessionEvents.overflowed}. */
  protected abstract overflowed(): void;
  /** See {@link SessionEvents.first}. */
  protected abstract first(): void;
  /** See {@link SessionEvents.closing}. */
  abstract closing(end: () => void): boolean;

  /** False once the retained frames overflowed: a break then ends the session. */
  get resumable(): boolean {
    return (this.flags & RESUMABLE) !== 0;
  }
  set resumable(value: boolean) {
    this.flags = value ? this.flags | RESUMABLE : this.flags & ~RESUMABLE;
  }

  /** Set by every frame heard from the peer; the heartbeat clears it. */
  get heard(): boolean {
    return (this.flags & HEARD) !== 0;
  }
  set heard(value: boolean) {
    this.flags = value ? this.flags | HEARD : this.flags & ~HEARD;
  }

  /** Bytes of frames kept for the peer. */
  get retainedBytes(): number {
    return this.retainedBytesNow;
  }

  /** Frames kept for the peer. */
  get retainedFrames(): number {
    return this.retained.length - this.head;
  }

  sent(frame: Uint8Array): void {
    this.sentCount++;
    if (!this.resumable) return;
    if (this.retained === NONE) this.retained = [];
    this.retained.push(frame);
    this.retainedBytesNow += frame.length;
    if (this.retainedBytesNow > this.maxRetainedBytes) {
      this.resumable = false;
      this.retained = NONE;
      this.head = 0;
      this.retainedBytesNow = 0;
      this.overflowed();
    }
  }

  received(bytes: number): void {
    if (++this.receivedCount === 1) this.first();
    this.heard = true;
    this.unackedBytes += bytes;
    if (++this.unackedFrames >= ACK_EVERY_FRAMES || this.unackedBytes >= ACK_EVERY_BYTES) this.ackDue();
  }

  alive(): void {
    this.heard = true;
  }

  /** True when `bytes` more could be retained (a client refuses sends past it while away). */
  hasRoom(bytes: number): boolean {
    return this.retainedBytesNow + bytes <= this.maxRetainedBytes;
  }

  /** Call when an acknowledgement (a heartbeat carrying `receivedCount`) goes out. */
  ackSent(): void {
    this.unackedFrames = 0;
    this.unackedBytes = 0;
  }

  /**
   * The peer says it has received `count` of our frames: forget those.
   * Returns false for a count it cannot have (more than we sent).
   */
  acknowledge(count: number): boolean {
    if (count > this.sentCount) return false;
    if (count <= this.acked) return true; // an older acknowledgement, overtaken
    if (this.resumable) {
      let drop = count - this.acked;
      while (drop-- > 0) {
        this.retainedBytesNow -= this.retained[this.head]!.length;
        this.retained[this.head++] = EMPTY;
      }
      if (this.head === this.retained.length) {
        // All acknowledged: an idle session keeps no array.
        this.retained = NONE;
        this.head = 0;
      } else if (this.head > 1024 && this.head * 2 > this.retained.length) {
        // Compact now and then, not at every acknowledgement.
        this.retained = this.retained.slice(this.head);
        this.head = 0;
      }
    }
    this.acked = count;
    return true;
  }

  /** The frames sent and not yet acknowledged, in order (a snapshot of the session: see snapshot.ts). */
  unacknowledged(): Uint8Array[] {
    return this.retained.slice(this.head);
  }

  /** Goes on from a session saved elsewhere (cluster sessions): its counts and the frames it had not had acknowledged. */
  restore(received: number, sent: number, acked: number, frames: readonly Uint8Array[]): void {
    this.receivedCount = received;
    this.sentCount = sent;
    this.acked = acked;
    this.retained = frames.length > 0 ? [...frames] : NONE;
    this.head = 0;
    this.retainedBytesNow = 0;
    for (const frame of frames) this.retainedBytesNow += frame.length;
  }

  /**
   * Takes back the last `count` frames sent, which never left: they were held
   * for a peer not admitted yet, whose version turned out not to read some.
   */
  unsend(count: number): void {
    this.sentCount -= count;
    if (!this.resumable) return;
    for (let i = 0; i < count && this.retained.length > this.head; i++) this.retainedBytesNow -= this.retained.pop()!.length;
    if (this.head === this.retained.length) {
      this.retained = NONE;
      this.head = 0;
    }
  }

  /**
   * The frames to resend to a peer that has received `count` of ours, in
   * order, or a sentence saying why they cannot be given.
   */
  framesAfter(count: number): Uint8Array[] | string {
    if (!this.resumable) return `the frames it missed were no longer kept (more than maxRetainedBytes, ${this.maxRetainedBytes}, went unacknowledged)`;
    if (count > this.sentCount) return `it claims ${count} frames, only ${this.sentCount} were sent`;
    if (count < this.acked) return `it claims ${count} frames after acknowledging ${this.acked}`;
    this.acknowledge(count);
    return this.retained.slice(this.head);
  }
}

/** A session whose owner is told through a {@link SessionEvents} object (a client's). */
export class Session extends SessionLog {
  constructor(
    readonly maxRetainedBytes: number,
    private readonly events: SessionEvents,
  ) {
    super();
  }

  protected ackDue(): void {
    this.events.ackDue();
  }

  protected overflowed(): void {
    this.events.overflowed?.();
  }

  protected first(): void {
    this.events.first?.();
  }

  closing(end: () => void): boolean {
    return this.events.closing?.(end) ?? false;
  }
}

const EMPTY = new Uint8Array(0);
/** No frames retained: an idle session holds no array of its own. */
const NONE: Uint8Array[] = [];
