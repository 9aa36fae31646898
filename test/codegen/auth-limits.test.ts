/**
 * The protocol file's `Auth` type and `@rateLimit` tags: parsed into plain
 * model data, emitted into the descriptor (a validator, a table of limits)
 * and into the typed channel and listener.
 */
import { describe, expect, it } from "vitest";
import { emitProtocol } from "../../codegen/emit/index.ts";
import { fingerprint } from "../../codegen/fingerprint.ts";
import { chatProtocol } from "../../generated/chat.ts";
import { parseModel } from "./helpers.ts";

const SOURCE = `
/** What a player presents. */
export interface Auth {
  token: string;
  room?: number;
}

export interface ClientMessages {
  /**
   * Moves.
   * @rateLimit 30/s burst 60
   */
  move: { x: number };
  /** @rateLimit 12/min */
  shout: { text: string };
  /** @rateLimit 5/s */
  jump: {};
  idle: {};
}

export interface ServerMessages {
  moved: { x: number };
}
`;

describe("Auth and @rateLimit in a protocol file", () => {
  it("are plain data in the model", () => {
    const model = parseModel(SOURCE);
    expect(model.auth).toEqual({ type: { kind: "ref", name: "Auth" }, location: { file: "protocol/test.protocol.ts", line: 3, column: 18 } });
    expect(model.client.map((m) => [m.action, m.rateLimit && { perSecond: m.rateLimit.perSecond, burst: m.rateLimit.burst }])).toEqual([
      ["move", { perSecond: 30, burst: 60 }],
      ["shout", { perSecond: 0.2, burst: 12 }],
      ["jump", { perSecond: 5, burst: 5 }],
      ["idle", undefined],
    ]);
    expect(model.client[0]!.rateLimit!.location).toEqual({ file: "protocol/test.protocol.ts", line: 11, column: 6 });
    expect(JSON.parse(JSON.stringify(model))).toEqual(model);
  });

  it("a rate limit does not change the fingerprint (it is the server's business, not the wire's)", () => {
    const limited = parseModel(SOURCE);
    const plain = parseModel(SOURCE.replace(/@rateLimit [^*\n]*/g, ""));
    expect(fingerprint(limited)).toBe(fingerprint(plain));
  });

  it("are emitted: the credential's validator and the limits in the descriptor, Auth in the channel and listener", () => {
    const text = emitProtocol(parseModel(SOURCE));
    expect(text).toContain("auth: validateAuth,");
    expect(text).toContain("    move: { perSecond: 30, burst: 60 },\n    shout: { perSecond: 0.2, burst: 12 },\n    jump: { perSecond: 5, burst: 5 },\n");
    expect(text).toMatch(/export abstract class TestChannel<TUser = unknown> extends Channel<TestServerMessage, TestClientMessage, TUser, Auth> \{/);
    expect(text).toMatch(/export abstract class TestListener extends ConnectionListener<TestClientMessage, TestServerMessage, Auth> \{/);
  });

  it("the generated validator checks a credential by path, without echoing the value", () => {
    const validate = chatProtocol.auth!;
    expect(validate({ nickname: "ada" })).toBeUndefined();
    expect(validate({ nickname: 7 })).toBe("nickname: expected string, got number");
    expect(validate({})).toBe("nickname: expected string, got nothing");
    expect(chatProtocol.rateLimits).toEqual({ nickname: { perSecond: 2, burst: 5 }, message: { perSecond: 10, burst: 20 } });
  });
});
