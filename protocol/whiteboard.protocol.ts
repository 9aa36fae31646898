/**
 * A shared whiteboard: everyone draws on one board and sees the others'
 * strokes as they are drawn; whoever joins late gets the drawing so far.
 * Coordinates are board units (the board is `width` × `height`), whatever
 * the size of the canvas showing it.
 */

import type { Int } from "repod";

/** A point on the board, in board units. */
export interface Point {
  x: number;
  y: number;
}

/** One stroke: a line through its points, in one colour and thickness. */
export interface Stroke {
  /** Unique on the server. */
  id: string;
  /** CSS colour as `#rrggbb`. */
  color: string;
  /** Thickness in board units, 1 to 40. */
  width: number;
  /** The name of who drew it. */
  author: string;
  points: Point[];
}

/** Messages a client sends to the server. */
export interface ClientMessages {
  /** The name shown next to my strokes. */
  name: { name: string };
  /** I start a stroke at `at` (it ends my previous one, if any). */
  begin: { color: string; width: number; at: Point };
  /** More points of the stroke I am drawing. */
  extend: { points: Point[] };
  /** I lifted the pen. */
  end: {};
  /** Wipe the board for everyone. */
  clear: {};
}

/** Messages the server sends to clients. */
export interface ServerMessages {
  /** Sent once on connecting: the board's size and everything drawn so far. */
  board: { width: Int; height: Int; strokes: Stroke[]; you: string };
  /** Someone started a stroke. */
  begun: { id: string; color: string; width: number; author: string; at: Point };
  /** A stroke being drawn got more points. */
  extended: { id: string; points: Point[] };
  /** A stroke is finished. */
  ended: { id: string };
  /** Someone wiped the board. */
  cleared: { by: string };
  /** How many people are looking at the board. */
  online: { count: Int };
}
