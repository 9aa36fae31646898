import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sameToken, TokenMint } from "../../runtime/session/token.ts";

describe("session tokens", () => {
  it("are 128 bits in hex, the same for the same session and generation, different for any other, and another server's differ", () => {
    const mint = new TokenMint();
    const token = mint.token("abc.1", 0);
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(mint.token("abc.1", 0)).toBe(token);
    const others = [mint.token("abc.1", 1), mint.token("abc.2", 0), mint.token("abc.10", 0), new TokenMint().token("abc.1", 0)];
    for (const other of others) expect(other).not.toBe(token);
    expect(new Set(others).size).toBe(others.length);
  });

  it("are HMAC-SHA256 of the id and generation under the server's key, truncated to 128 bits", () => {
    for (const key of [randomBytes(32), Buffer.alloc(32), Buffer.alloc(32, 0xff), randomBytes(5), randomBytes(64), randomBytes(100)]) {
      const mint = new TokenMint(key);
      for (const [id, generation] of [
        ["abc.1", 0],
        ["a-server-id-of-some-length.zz9", 12345],
        ["é.1", 2],
      ] as const) {
        const hmac = createHmac("sha256", key).update(`${id}\n${generation}`).digest("hex").slice(0, 32);
        expect(mint.token(id, generation)).toBe(hmac);
      }
    }
  });

  it("compare equal only when exactly equal", () => {
    const token = new TokenMint().token("x.1", 3);
    expect(sameToken(token, token)).toBe(true);
    expect(sameToken((token[0] === "0" ? "1" : "0") + token.slice(1), token)).toBe(false);
    expect(sameToken(token.slice(1), token)).toBe(false);
    expect(sameToken(42, token)).toBe(false);
    expect(sameToken(token, null)).toBe(false);
  });
});
