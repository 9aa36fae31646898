/**
 * Session tokens: 128 bits, hex on the wire, that only this server could
 * have made. A token is not stored: it is computed when needed as an HMAC,
 * under a random key of the server's, of the session's id and a generation
 * number that grows at every resume — so an idle session keeps a number,
 * not a string. Compared in constant time so that how long a refusal takes
 * says nothing about how close a guess was. (Server side only: a client
 * merely keeps and presents them.)
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { TOKEN_BYTES } from "../constants.ts";

/** Makes the tokens of one server's sessions. */
export class TokenMint {
  /** A random key of this server's, or the cluster's (cluster sessions: every server makes and checks the same tokens). */
  constructor(private readonly key: Uint8Array = randomBytes(32)) {}

  /** The token of session `id` at `generation`. */
  token(id: string, generation: number): string {
    return createHmac("sha256", this.key)
      .update(`${id}\n${generation}`)
      .digest("hex")
      .slice(0, TOKEN_BYTES * 2);
  }
}

/** True when `presented` is exactly `expected`; the time taken does not depend on where they differ. */
export function sameToken(presented: unknown, expected: string | null): boolean {
  if (expected === null || typeof presented !== "string") return false;
  const a = Buffer.from(presented, "utf8");
  const b = Buffer.from(expected, "utf8");
  // Lengths are public (every token has the same one); timingSafeEqual needs them equal.
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}
