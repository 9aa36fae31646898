/**
 * A small game, version 3: `move.dir` becomes a number and the seat a string (breaking changes),
 * the retired `chat` is gone, and so is `ready` (not retired first: breaking too).
 */

import type { Int } from "repod";

/** Messages a client sends to the server. */
export interface ClientMessages {
  /** Enter the game under a name, in a colour of one's choice. */
  join: {
    name: string;
    color?: string;
  };
  /** The direction is now an angle in degrees. */
  move: { dir: Int };
  emote: { name: "wave" | "laugh" };
}

/** Messages the server sends to clients. */
export interface ServerMessages {
  welcome: { id: string; players: string[] };
  moved: { name: string; x: Int; y: Int };
  said: { name: string; text: string };
  emoted: { name: string; emote: string };
}

/** Requests a client sends to the server. */
export interface ClientRequests {
  /** The seat is now a name ("A1"). */
  seat(data: { table: string }): { seat: string };
}
