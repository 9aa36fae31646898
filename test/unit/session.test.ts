import { describe, expect, it } from "vitest";
import { Session } from "../../runtime/session/session.ts";

const frame = (n: number, bytes = 10): Uint8Array => new Uint8Array(bytes).fill(n);

describe("Session", () => {
  it("keeps what the peer has not acknowledged and gives exactly the frames after its count", () => {
    const session = new Session(1000, { ackDue: () => {} });
    for (let i = 1; i <= 8; i++) session.sent(frame(i));
    expect(session.acknowledge(4)).toBe(true);
    expect(session.retainedFrames).toBe(4);
    const after = session.framesAfter(6);
    expect(after).toEqual([frame(7), frame(8)]);
    expect(session.acked).toBe(6);
  });

  it("refuses counts it cannot have", () => {
    const session = new Session(1000, { ackDue: () => {} });
    for (let i = 1; i <= 3; i++) session.sent(frame(i));
    expect(session.acknowledge(4)).toBe(false);
    expect(session.framesAfter(5)).toMatch(/claims 5 frames, only 3/);
    session.acknowledge(2);
    expect(session.framesAfter(1)).toMatch(/after acknowledging 2/);
  });

  it("stops being resumable past maxRetainedBytes, and says why", () => {
    let overflowed = 0;
    const session = new Session(25, { ackDue: () => {}, overflowed: () => overflowed++ });
    session.sent(frame(1));
    session.sent(frame(2));
    expect(session.resumable).toBe(true);
    session.sent(frame(3));
    expect(session.resumable).toBe(false);
    expect(overflowed).toBe(1);
    expect(session.retainedBytes).toBe(0);
    expect(session.framesAfter(0)).toMatch(/no longer kept/);
  });

  it("asks for an acknowledgement after 64 frames", () => {
    let due = 0;
    const session = new Session(1000, { ackDue: () => due++ });
    for (let i = 0; i < 63; i++) session.received(10);
    expect(due).toBe(0);
    session.received(10);
    expect(due).toBe(1);
  });
});
