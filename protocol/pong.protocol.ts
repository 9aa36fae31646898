/**
 * Two-player pong with an authoritative server: clients send their paddle
 * input, the server runs the physics at 60 ticks per second and sends the
 * state of the match to both players.
 */
import type { Int } from "repod";

/** A point on the field, in field units (the field is `width` × `height`). */
export interface Vec {
  x: number;
  y: number;
}

/** Messages a client sends to the server. */
export interface ClientMessages {
  /** Where the paddle moves: -1 up, 0 stay, 1 down. Holds until the next input. */
  input: { dir: -1 | 0 | 1 };
  /** Measures the round trip: the server answers with `pong` and the same `t`. */
  ping: { t: number };
}

/** Messages the server sends to clients. */
export interface ServerMessages {
  /** You have a slot (0 plays on the left, 1 on the right); the field's geometry. */
  welcome: {
    slot: Int;
    match: string;
    width: number;
    height: number;
    paddleHeight: number;
    winScore: Int;
  };
  /** Every slot of every match is taken. */
  full: { text: string };
  /** You are alone in your match: waiting for an opponent. */
  waiting: { text: string };
  /** Both players are here: the match begins. */
  start: { match: string };
  /** The state of the match, once per tick. */
  state: { tick: Int; ball: Vec; paddles: [number, number]; score: [Int, Int] };
  /** Someone scored. */
  scored: { slot: Int; score: [Int, Int] };
  /** The match is over; `winner` is the winning slot. */
  game_over: { winner: Int; score: [Int, Int] };
  /** The answer to `ping`. */
  pong: { t: number };
}
