/**
 * Tag: players run around an arena with obstacles; one of them is "it" and
 * tags another by touching them, who becomes "it". The server is
 * authoritative: clients send only which way they push, the server moves
 * everyone, resolves collisions and tags, and sends the state of the arena
 * many times a second.
 */

import type { Int } from "repod";

/** An axis-aligned rectangle, in arena units. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The arena: its size, its obstacles, and how big a player is. */
export interface Arena {
  width: number;
  height: number;
  obstacles: Rect[];
  /** Players are circles of this radius. */
  playerRadius: number;
}

/** One player as everyone sees them. */
export interface PlayerState {
  id: string;
  name: string;
  x: number;
  y: number;
  /** Tags this player made. */
  tags: Int;
}

/** -1, 0 or 1 along one axis. */
export type Axis = -1 | 0 | 1;

/** Messages a client sends to the server. */
export interface ClientMessages {
  /** Which way I push now; I keep going until the next input. */
  input: { dx: Axis; dy: Axis };
}

/** Requests a client sends to the server, each answered. */
export interface ClientRequests {
  /** Enter the arena under a name; the answer says who I am and what the arena is. */
  join(data: { name: string }): { you: string; arena: Arena };
}

/** Messages the server sends to clients. */
export interface ServerMessages {
  /** Where everyone is, sent every tick; `it` is the id of the player who is it, null in an empty arena. */
  state: { tick: Int; it: string | null; players: PlayerState[] };
  /** `by` tagged `it`. */
  tagged: { it: string; by: string };
}
