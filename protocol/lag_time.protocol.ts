/**
 * repod's lag_time example: the server pings each client, the client answers
 * with the same count, and the server measures every round trip.
 */
import type { Int } from "repod";

/** Messages a client sends to the server. */
export interface ClientMessages {
  /** The answer to a ping: the same count straight back. */
  ping: { count: Int };
}

/** Messages the server sends to clients. */
export interface ServerMessages {
  /** A ping; answer it with the same count. */
  ping: { count: Int };
}
