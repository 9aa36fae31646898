import { readFileSync } from "node:fs";

export enum Color {
  Red,
  Green,
}

export class Point {
  x = 0;
}

export function helper(): void {}

export const limit = 3;

export interface Box<T> {
  value: T;
}

export interface ServerMessages {
  paint: { color: Color; at: Point; box: Box<number> };
}

export { limit as maximum };
