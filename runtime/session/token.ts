/**
 * Session tokens: 128 random bits, hex on the wire. Compared in constant
 * time so that how long a refusal takes says nothing about how close a
 * guess was. (Server side only: a client merely keeps and presents them.)
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { TOKEN_BYTES } from "../constants.ts";

/** A fresh token. */
export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString("hex");
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
