/** A session as it travels between servers: encoded, decoded, and refused when it is not one. */
import { describe, expect, it } from "vitest";
import { decodeSnapshot, encodeSnapshot, type SessionSnapshot } from "../../runtime/session/snapshot.ts";
import { encodeFrame, encodePayload } from "../../runtime/wire/codec.ts";

const frames = [encodeFrame({ action: "line", seq: 1 }), encodeFrame({ action: "line", seq: 2 })];
const snapshot: SessionSnapshot = {
  id: "abc.1",
  generation: 3,
  received: 10,
  sent: 7,
  acked: 5,
  frames,
  groups: ["room-1", "all"],
  presence: { name: "ada", score: 2 },
  user: { name: "ada", admin: false },
  state: { room: "room-1", count: 10, lastSeq: 10 },
  fingerprint: "f00d",
  unread: ["emote"],
};

describe("session snapshots", () => {
  it("decode to what was encoded, frames byte for byte", () => {
    const back = decodeSnapshot(encodeSnapshot(snapshot));
    expect(typeof back).toBe("object");
    const decoded = back as SessionSnapshot;
    expect({ ...decoded, frames: decoded.frames.map((f) => [...f]) }).toEqual({ ...snapshot, frames: frames.map((f) => [...f]) });
  });

  it("leave out what a session does not have", () => {
    const bare: SessionSnapshot = { id: "abc.2", generation: 0, received: 0, sent: 0, acked: 0, frames: [], groups: [] };
    expect(decodeSnapshot(encodeSnapshot(bare))).toEqual({
      ...bare,
      presence: undefined,
      user: undefined,
      state: undefined,
      fingerprint: undefined,
      unread: undefined,
    });
  });

  it.each([
    ["not msgpack", new Uint8Array([0xc1]), /not valid msgpack/],
    ["not a map", encodePayload([1, 2]), /^not a map$/],
    ["another version", encodePayload({ v: 2 }), /^version 2, this server reads version 1$/],
    [
      "frames that do not match the counts",
      encodePayload({ v: 1, id: "a.1", generation: 0, received: 0, sent: 3, acked: 1, frames: [], groups: [] }),
      /^0 frames kept for 2 unacknowledged$/,
    ],
    [
      "acked past sent",
      encodePayload({ v: 1, id: "a.1", generation: 0, received: 0, sent: 1, acked: 2, frames: [], groups: [] }),
      /^acked \(2\) is more than sent \(1\)$/,
    ],
    ["a negative count", encodePayload({ v: 1, id: "a.1", generation: -1, received: 0, sent: 0, acked: 0, frames: [], groups: [] }), /^a count is not/],
    [
      "groups that are not strings",
      encodePayload({ v: 1, id: "a.1", generation: 0, received: 0, sent: 0, acked: 0, frames: [], groups: [1] }),
      /^groups are not/,
    ],
  ])("are refused with a reason, never a throw: %s", (_what, bytes, reason) => {
    expect(decodeSnapshot(bytes)).toMatch(reason);
  });
});
