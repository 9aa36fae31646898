/**
 * The benchmark protocol: what `npm run bench` sends to a server under test.
 * Any server that answers these messages (ours, the bare `node:net`
 * reference, a Python repod server) can be measured by the same load
 * generator.
 */
import type { Int } from "repod";

/** Messages the load generator sends. */
export interface ClientMessages {
  /** One round trip of the rtt scenario: answered by `pong` with the same `seq`. */
  ping: { seq: Int };
  /** A player's position in the throughput scenario; the server only counts it. */
  move: { x: number; y: number; tick: Int };
  /** Ends a throughput run: `sent` moves went out; answered by `counted`. */
  done: { sent: Int };
  /** Asks the server to send `count` ticks to every connected client (fanout scenario). */
  fanout: { count: Int };
}

/** Messages the server under test sends. */
export interface ServerMessages {
  pong: { seq: Int };
  /** Moves received since the previous `done`. */
  counted: { n: Int };
  /** One message of a fanout burst; `n` counts from 0. */
  tick: { n: Int };
}

/** Requests the load generator sends. */
export interface ClientRequests {
  /** One round trip of the requests scenario: answered with the same `seq`. */
  echo(data: { seq: Int }): { seq: Int };
}
