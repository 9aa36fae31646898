/**
 * The whiteboard's memory: every stroke drawn, in order, so that a late
 * joiner gets the whole drawing. Bounded: past `MAX_STROKES` the oldest
 * strokes go, and a stroke stops growing at `MAX_POINTS`.
 */
import type { Point, Stroke } from "../../generated/whiteboard.ts";

export const BOARD_WIDTH = 1600;
export const BOARD_HEIGHT = 1000;
export const MAX_STROKES = 5000;
export const MAX_POINTS = 4000;
const COLOR = /^#[0-9a-f]{6}$/i;

export class Board {
  private readonly strokes = new Map<string, Stroke>();
  private nextId = 0;

  /** Every stroke, oldest first. */
  all(): Stroke[] {
    return [...this.strokes.values()];
  }

  /** Starts a stroke; colour and thickness are made sane, the point kept on the board. */
  begin(author: string, color: string, width: number, at: Point): Stroke {
    if (this.strokes.size >= MAX_STROKES) this.strokes.delete(this.strokes.keys().next().value!);
    const stroke: Stroke = {
      id: (++this.nextId).toString(36),
      color: COLOR.test(color) ? color.toLowerCase() : "#000000",
      width: Math.min(40, Math.max(1, width || 1)),
      author,
      points: [onBoard(at)],
    };
    this.strokes.set(stroke.id, stroke);
    return stroke;
  }

  /** Adds points to a stroke; returns those kept (none once the stroke is full or gone). */
  extend(id: string, points: Point[]): Point[] {
    const stroke = this.strokes.get(id);
    if (!stroke) return [];
    const kept = points.slice(0, Math.max(0, MAX_POINTS - stroke.points.length)).map(onBoard);
    stroke.points.push(...kept);
    return kept;
  }

  clear(): void {
    this.strokes.clear();
  }
}

function onBoard(point: Point): Point {
  return {
    x: Math.min(BOARD_WIDTH, Math.max(0, Math.round(point.x * 10) / 10)),
    y: Math.min(BOARD_HEIGHT, Math.max(0, Math.round(point.y * 10) / 10)),
  };
}
