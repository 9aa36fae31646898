/**
 * The heartbeat: one timer for all the sessions of a server (or the one of a
 * client), not one per connection. At each beat every member sends a
 * heartbeat frame — which also acknowledges what it received — and a member
 * that heard nothing from its peer for `timeoutMs` is timed out.
 *
 * Silence is measured in beats: any frame from the peer sets the session's
 * `heard` flag (no clock read per frame), each beat clears it; after
 * `ceil(timeoutMs / intervalMs)` beats in a row without a frame the peer is
 * dead. So a dead peer is found between `timeoutMs` and `timeoutMs +
 * intervalMs` after its last frame.
 *
 * Over a transport with its own keep-alive (WebSocket, see `Transport.ping`)
 * each beat also sends the transport's ping, and its pong counts as heard
 * (`FrameLog.alive`): the WebSocket protocol's ping/pong does the liveness,
 * the heartbeat frame carries only the acknowledgement.
 */
import { type Clock, systemClock, type TimerHandle, unref } from "./clock.ts";
import type { SessionLog } from "./session.ts";

/** One connection the heartbeat looks after. */
export interface Beating {
  readonly session: SessionLog;
  /** Send a heartbeat now. */
  beat(): void;
  /** Nothing was heard for `timeoutMs`: close the connection with TIMEOUT. */
  timedOut(): void;
}

export class Heartbeat {
  private readonly members = new Set<Beating>();
  private timer: TimerHandle | undefined;
  private silentNow = 0;
  private readonly tick = (): void => this.sweep();

  constructor(
    readonly intervalMs: number,
    readonly timeoutMs: number,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Beats in a row without a frame after which a peer is dead. */
  get silentLimit(): number {
    return Math.max(1, Math.ceil(this.timeoutMs / this.intervalMs));
  }

  /** Members that heard nothing during the last beat: their peers may be gone. */
  get silent(): number {
    return this.silentNow;
  }

  get size(): number {
    return this.members.size;
  }

  add(member: Beating): void {
    member.session.heard = true;
    member.session.silentBeats = 0;
    this.members.add(member);
    if (this.timer === undefined) this.arm();
  }

  delete(member: Beating): void {
    this.members.delete(member);
    if (this.members.size === 0) this.stop();
  }

  /** Stops beating and forgets every member. */
  clear(): void {
    this.members.clear();
    this.stop();
  }

  stop(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.silentNow = 0;
  }

  private arm(): void {
    this.timer = this.clock.setTimeout(this.tick, this.intervalMs);
    // A heartbeat alone must not keep a Node process alive.
    unref(this.timer);
  }

  private sweep(): void {
    this.timer = undefined;
    const limit = this.silentLimit;
    let silent = 0;
    for (const member of this.members) {
      const session = member.session;
      if (session.heard) {
        session.heard = false;
        session.silentBeats = 0;
      } else if (++session.silentBeats >= limit) {
        this.members.delete(member);
        member.timedOut();
        continue;
      } else {
        silent++;
      }
      member.beat();
    }
    this.silentNow = silent;
    if (this.members.size === 0) this.stop();
    else if (this.timer === undefined) this.arm();
  }
}
