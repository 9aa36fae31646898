/**
 * Session tokens: 128 bits, hex on the wire, that only this server could
 * have made. A token is not stored: it is computed when needed as an HMAC,
 * under a random key of the server's, of the session's id and a generation
 * number that grows at every resume — so an idle session keeps a number,
 * not a string. Compared in constant time so that how long a refusal takes
 * says nothing about how close a guess was. (Server side only: a client
 * merely keeps and presents them.)
 *
 * The HMAC (SHA-256, RFC 2104) is written out as its two hashes, each made
 * in one call (`crypto.hash`, Node 20.12 and later): an `Hmac` object holds
 * native memory until it is garbage collected, and a burst of connections
 * left the process that much larger for good.
 */
import * as crypto from "node:crypto";
import { TOKEN_BYTES } from "../constants.ts";

/** SHA-256's block size. */
const BLOCK = 64;
const DIGEST = 32;

/** Makes the tokens of one server's sessions. */
export class TokenMint {
  /** The key XOR the inner pad. */
  private readonly inner: Buffer;
  /** The key XOR the outer pad, then room for the inner hash. */
  private readonly outer: Buffer;

  /** A random key of this server's, or the cluster's (cluster sessions: every server makes and checks the same tokens). */
  constructor(private readonly key: Uint8Array = crypto.randomBytes(DIGEST)) {
    // RFC 2104: a key longer than a block is hashed first; a shorter one is padded with zeros.
    const block = key.length > BLOCK ? crypto.createHash("sha256").update(key).digest() : key;
    this.inner = Buffer.alloc(BLOCK, 0x36);
    this.outer = Buffer.alloc(BLOCK + DIGEST, 0x5c);
    for (let i = 0; i < block.length; i++) {
      this.inner[i]! ^= block[i]!;
      this.outer[i]! ^= block[i]!;
    }
  }

  /** The token of session `id` at `generation`. */
  token(id: string, generation: number): string {
    const message = `${id}\n${generation}`;
    if (typeof crypto.hash !== "function") {
      return crypto
        .createHmac("sha256", this.key)
        .update(message)
        .digest("hex")
        .slice(0, TOKEN_BYTES * 2);
    }
    crypto.hash("sha256", Buffer.concat([this.inner, Buffer.from(message)]), "buffer").copy(this.outer, BLOCK);
    return crypto.hash("sha256", this.outer, "hex").slice(0, TOKEN_BYTES * 2);
  }
}

/** True when `presented` is exactly `expected`; the time taken does not depend on where they differ. */
export function sameToken(presented: unknown, expected: string | null): boolean {
  if (expected === null || typeof presented !== "string") return false;
  const a = Buffer.from(presented, "utf8");
  const b = Buffer.from(expected, "utf8");
  // Lengths are public (every token has the same one); timingSafeEqual needs them equal.
  if (a.length !== b.length) return false;
  return crypto.timingSafeEqual(a, b);
}
