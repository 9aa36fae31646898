/** Shared geometry types: a types-only protocol file that other protocol files import from. */

/** A point on the board, in tiles. */
export interface Vec2 {
  x: number;
  y: number;
}

/** An axis-aligned rectangle given by two corners. */
export interface Rect {
  min: Vec2;
  max: Vec2;
}

/** Where a step goes. */
export type Direction = "north" | "east" | "south" | "west";
